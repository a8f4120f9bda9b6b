"""The conflict-aware scheduler with fake jobs that record when they ran."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable

import pytest

from conformance.core.scheduler import CancelledError, ConflictScheduler

pytestmark = pytest.mark.unit


class Tracker:
    """Fake jobs: each sleeps a little and records its interval; checks overlaps."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: set[str] = set()
        self.most = 0
        self.overlaps: set[frozenset[str]] = set()
        self.order: list[str] = []

    def job(self, key: str, seconds: float) -> Callable[[], str]:
        def run() -> str:
            with self.lock:
                for other in self.running:
                    self.overlaps.add(frozenset({key, other}))
                self.running.add(key)
                self.most = max(self.most, len(self.running))
                self.order.append(key)
            time.sleep(seconds)
            with self.lock:
                self.running.discard(key)
            return key.upper()

        return run


def _pairs(*groups: str) -> Callable[[object, object], bool]:
    """Keys conflict when they share a letter of ``groups`` (e.g. 'ab' makes a and b)."""

    def conflicts(a: object, b: object) -> bool:
        return any(str(a)[0] in g and str(b)[0] in g for g in groups)

    return conflicts


def test_no_two_conflicting_jobs_ever_overlap_and_independent_ones_do() -> None:
    rng = random.Random(5)
    keys = [f"{letter}{n}" for n in range(4) for letter in "abcdef"]
    conflicts = _pairs("ab", "c", "ef")
    tracker = Tracker()
    jobs = [(key, tracker.job(key, rng.uniform(0.005, 0.03))) for key in keys]
    scheduler = ConflictScheduler(jobs, 4, conflicts)
    scheduler.start()
    values = [scheduler.wait(key).value for key in keys]
    assert values == [key.upper() for key in keys]
    assert not [pair for pair in tracker.overlaps if conflicts(*sorted(pair))]
    assert tracker.most == 4
    assert any("d" in "".join(sorted(pair)) for pair in tracker.overlaps)


def test_the_limit_holds_and_one_runs_them_one_after_another_in_order() -> None:
    tracker = Tracker()
    keys = ["a", "b", "c", "d"]
    scheduler = ConflictScheduler([(k, tracker.job(k, 0.01)) for k in keys], 1, lambda a, b: False)
    scheduler.start()
    spans = [scheduler.wait(k).span for k in keys]
    assert tracker.most == 1 and tracker.order == keys
    assert all(earlier.stop <= later.start for earlier, later in itertools.pairwise(spans))
    assert {span.slot for span in spans} == {0}


def test_ordered_conflicting_jobs_keep_their_order_while_others_go_ahead() -> None:
    tracker = Tracker()
    # a1 is long; a2 conflicts with it; b1 is independent and may pass a2
    jobs = [("a1", tracker.job("a1", 0.08)), ("a2", tracker.job("a2", 0.01))]
    jobs += [("b1", tracker.job("b1", 0.01)), ("a3", tracker.job("a3", 0.01))]
    scheduler = ConflictScheduler(jobs, 3, _pairs("a"), ordered=True)
    scheduler.start()
    scheduler.wait_all()
    assert [k for k in tracker.order if k.startswith("a")] == ["a1", "a2", "a3"]
    assert tracker.order.index("b1") < tracker.order.index("a2")


def test_unordered_a_later_job_may_pass_an_earlier_one_it_conflicts_with() -> None:
    tracker = Tracker()
    conflicts = _pairs("ab", "ac")  # b and c are independent of each other, not of a
    jobs = [("a1", tracker.job("a1", 0.05)), ("b1", tracker.job("b1", 0.01))]
    jobs += [("c1", tracker.job("c1", 0.01))]
    scheduler = ConflictScheduler(jobs, 3, conflicts)
    scheduler.start()
    scheduler.wait_all()
    assert tracker.order[0] == "a1" and set(tracker.order[1:]) == {"b1", "c1"}
    assert frozenset({"b1", "c1"}) in tracker.overlaps


def test_an_exception_is_the_jobs_outcome_not_the_schedulers() -> None:
    def boom() -> str:
        raise ValueError("job failed")

    scheduler = ConflictScheduler([("x", boom), ("y", lambda: "ok")], 2, lambda a, b: True)
    scheduler.start()
    failed = scheduler.wait("x")
    assert isinstance(failed.error, ValueError) and failed.value is None
    assert scheduler.wait("y").value == "ok"


def test_cancel_starts_nothing_more_but_lets_running_jobs_finish() -> None:
    tracker = Tracker()
    jobs = [(k, tracker.job(k, 0.05)) for k in ("a1", "a2", "a3")]
    scheduler = ConflictScheduler(jobs, 2, _pairs("a"))
    scheduler.start()
    scheduler.cancel()
    scheduler.join()
    assert scheduler.wait("a1").value == "A1"
    with pytest.raises(CancelledError):
        scheduler.wait("a2")
    assert tracker.order == ["a1"]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ConflictScheduler([("a", lambda: 1)], 0, lambda a, b: False)
    with pytest.raises(ValueError, match="unique"):
        ConflictScheduler([("a", lambda: 1), ("a", lambda: 2)], 1, lambda a, b: False)


def test_fits_picks_a_way_to_run_a_job_beside_the_running_ones() -> None:
    """Each job needs one of two seats; two jobs on one seat never overlap, and with two
    seats two jobs run at once although each would have taken the first."""
    tracker = Tracker()
    seats: dict[str, str] = {}
    seen: dict[str, str] = {}

    def fits(key: object, running: object) -> bool:
        taken = {seats[str(other)] for other in running}  # type: ignore[attr-defined]
        free = [seat for seat in ("first", "second") if seat not in taken]
        if free:
            seats[str(key)] = free[0]
        return bool(free)

    def job(key: str) -> Callable[[], str]:
        run = tracker.job(key, 0.03)

        def with_seat() -> str:
            seen[key] = seats[key]
            return run()

        return with_seat

    keys = ["a1", "a2", "a3", "a4"]
    scheduler = ConflictScheduler([(k, job(k)) for k in keys], 4, lambda a, b: True, fits=fits)
    scheduler.start()
    scheduler.wait_all()
    assert tracker.most == 2
    assert set(seen.values()) == {"first", "second"}
    for pair in tracker.overlaps:
        a, b = sorted(pair)
        assert seen[a] != seen[b]
