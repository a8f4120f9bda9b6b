"""One destructive run at a time per appliance: the hold marker, against the emulator
in-process, with injected clocks (no waiting for real)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.custody.hold import MARKER_PREFIX, Busy, Hold, Marker, is_marker
from conformance.custody.ledger import Ledger, leftovers
from conformance.custody.run_names import run_id_of
from conformance.emulator import EmulatorConfig, ManualClock, create_app
from tests.emulator.conftest import Api

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 7, 1, 0, 0, tzinfo=UTC)


class Scv:
    """The emulator's SCV API as a reader; ``before_post`` runs before each POST (another
    run acting at that moment); ``date``: the Date header its answers carry."""

    def __init__(self, api: Api, date: datetime | None = None) -> None:
        self.api = api
        self.date = date
        self.before_post: Callable[[], None] | None = None
        self.after_post: Callable[[], None] | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if method == "POST" and self.before_post is not None:
            act, self.before_post = self.before_post, None
            act()
        response = self.api.call(method, path, **kwargs)
        if method == "POST" and self.after_post is not None:
            act, self.after_post = self.after_post, None
            act()
        if self.date is not None:
            response.headers["date"] = format_datetime(self.date, usegmt=True)
        return response


class Clock:
    """Wall and monotonic time that move only when the run sleeps."""

    def __init__(self, start: datetime = T0) -> None:
        self.wall = start
        self.mono = 1000.0
        self.slept: list[float] = []
        self.on_sleep: Callable[[int], None] | None = None

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds
        if self.on_sleep is not None:
            self.on_sleep(len(self.slept))


@pytest.fixture
def api() -> Iterator[Api]:
    clock = ManualClock()
    made = Api(create_app(EmulatorConfig(), clock), clock)
    yield made
    made.close()


def _hold(api: Api, run_id: str, clock: Clock, lines: list[str], **kwargs: Any) -> Hold:
    return Hold(
        kwargs.pop("scv", None) or Scv(api),
        run_id,
        lines.append,
        clock=clock.now,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        **kwargs,
    )


def _policy_names(api: Api) -> list[str]:
    return [p["name"] for p in api.ok(api.get("/4.1/policies"))["policyResponseList"]]


def test_a_run_takes_the_appliance_and_gives_it_back(api: Api, tmp_path: Path) -> None:
    before = _policy_names(api)
    clock, lines = Clock(), []
    ledger = Ledger(tmp_path / "cleanup-ledger.jsonl")
    hold = _hold(api, "aaaaaa", clock, lines, ledger=ledger)
    assert hold.take(3600, refuse=True) is True
    (marker,) = [n for n in _policy_names(api) if is_marker(n)]
    assert marker == f"{MARKER_PREFIX}-aaaaaa-20261207010000-20261207020000"
    assert run_id_of(marker) is None  # no run's own item: fuzzing steers away from it
    assert [e["workflowId"] for e in leftovers(tmp_path)] == ["hold"]  # owed while it exists
    assert hold.give_back() is None
    assert _policy_names(api) == before
    assert leftovers(tmp_path) == [] and lines == []
    assert hold.give_back() is None  # every way out gives it back: once is enough


def test_a_second_run_refuses_at_once_with_one_line(api: Api) -> None:
    clock = Clock()
    first = _hold(api, "aaaaaa", clock, [])
    first.take(3600, refuse=True)
    assert first.mine is not None
    with pytest.raises(Busy) as busy:
        _hold(api, "bbbbbb", clock, []).take(3600, refuse=True)
    assert str(busy.value) == (
        "scv-conformance run aaaaaa holds this appliance for a destructive run since "
        "2026-12-07 01:00:00 UTC, until 2026-12-07 02:00:00 UTC at most; not waiting "
        f"(--if-busy refuse) (if run aaaaaa is no longer going, deleting policy "
        f"{first.mine.identity} ({first.mine.name}) frees the appliance at once)"
    )
    assert sum(is_marker(n) for n in _policy_names(api)) == 1  # the second made none


def test_a_second_run_waits_until_the_first_gives_the_appliance_back(api: Api) -> None:
    clock, lines = Clock(), []
    first = _hold(api, "aaaaaa", clock, [])
    first.take(3600, refuse=True)
    clock.on_sleep = lambda n: first.give_back() if n == 3 else None
    second = _hold(api, "bbbbbb", clock, lines, poll=5.0)
    assert second.take(3600, refuse=False, wait_until=clock.mono + 600) is True
    assert clock.slept == [5.0, 5.0, 5.0]
    assert lines == [
        "scv-conformance run aaaaaa holds this appliance for a destructive run since "
        "2026-12-07 01:00:00 UTC, until 2026-12-07 02:00:00 UTC at most: this run waits "
        "until it ends, or as long as --max-time allows"
    ]
    (marker,) = [n for n in _policy_names(api) if is_marker(n)]
    assert marker.startswith(f"{MARKER_PREFIX}-bbbbbb-20261207010015-")


def test_the_wait_ends_at_the_runs_deadline(api: Api) -> None:
    clock = Clock()
    _hold(api, "aaaaaa", clock, []).take(3600, refuse=True)
    second = _hold(api, "bbbbbb", clock, [], poll=5.0)
    with pytest.raises(Busy, match=r"run aaaaaa .*; waited 12 s, the run's --max-time"):
        second.take(3600, refuse=False, wait_until=clock.mono + 12)
    assert clock.slept == [5.0, 5.0, 2.0]


def test_a_stop_request_ends_the_wait(api: Api) -> None:
    clock = Clock()
    _hold(api, "aaaaaa", clock, []).take(3600, refuse=True)
    second = _hold(api, "bbbbbb", clock, [])
    assert second.take(3600, refuse=False, stopped=lambda: len(clock.slept) >= 2) is False
    assert second.mine is None


def test_an_expired_marker_is_removed_with_a_line(api: Api) -> None:
    crashed = Clock()
    _hold(api, "aaaaaa", crashed, []).take(60, refuse=True)  # never given back
    later, lines = Clock(T0 + timedelta(minutes=5)), []
    assert _hold(api, "bbbbbb", later, lines).take(60, refuse=True) is True
    assert lines == [
        "removed the hold of scv-conformance run aaaaaa (since 2026-12-07 01:00:00 UTC, "
        "until 2026-12-07 01:01:00 UTC): it ended without giving the appliance back"
    ]
    assert [m.run_id for m in _markers(api)] == ["bbbbbb"]


def _other_marker(api: Api, run_id: str, since: datetime) -> Callable[[], None]:
    """Another run creating its marker (from another machine, with its own clock)."""
    name = Marker(run_id, since, since + timedelta(hours=1)).name
    body = {"name": name, "frequency": "DAILY", "retention": {"type": "DAYS", "value": 1}}
    return lambda: api.ok(api.post("/4.1/policies", json=body))


def test_two_runs_at_the_same_moment_the_first_created_holds(api: Api) -> None:
    """Both create a marker before either looks again: the appliance's order decides (not
    the run ids, not the clocks of two machines)."""
    scv = Scv(api)
    # another run's marker is created just before this run's, in the same second
    scv.before_post = _other_marker(api, "ffffff", T0)
    with pytest.raises(Busy, match="run ffffff holds"):
        _hold(api, "aaaaaa", Clock(), [], scv=scv).take(3600, refuse=True)
    assert [m.run_id for m in _markers(api)] == ["ffffff"]  # this run removed its own
    api.ok(api.delete(f"/4.1/policies/{_markers(api)[0].identity}"))
    # one created just after this run's, by a machine whose clock is ten minutes behind
    scv.after_post = _other_marker(api, "000000", T0 - timedelta(minutes=10))
    assert _hold(api, "aaaaaa", Clock(), [], scv=scv).take(3600, refuse=True) is True
    assert [m.run_id for m in _markers(api)] == ["aaaaaa", "000000"]  # the other one yields


def test_times_are_the_appliances(api: Api) -> None:
    """The Date header of the appliance's answers sets the clock: a machine an hour off
    still marks (and judges expiry) by the appliance's time."""
    scv = Scv(api, date=T0 + timedelta(hours=1))
    hold = _hold(api, "aaaaaa", Clock(T0), [], scv=scv)
    hold.take(600, refuse=True)
    assert hold.mine is not None
    assert hold.mine.since == T0 + timedelta(hours=1)


def _markers(api: Api) -> list[Marker]:
    listed = api.ok(api.get("/4.1/policies"))["policyResponseList"]
    found = [Marker.parsed(p["name"], p["id"]) for p in listed]
    return [m for m in found if m is not None]


class Undeletable(Scv):
    """An appliance that refuses to delete policies."""

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if method == "DELETE":
            return httpx.Response(405)
        return super().request(method, path, **kwargs)


def test_an_expired_marker_that_cannot_be_removed_is_ignored_and_said_once(api: Api) -> None:
    _hold(api, "aaaaaa", Clock(), []).take(60, refuse=True)
    later, lines = Clock(T0 + timedelta(minutes=5)), []
    hold = _hold(api, "bbbbbb", later, lines, scv=Undeletable(api))
    assert hold.take(60, refuse=True) is True
    assert hold.mine is not None
    hold._others()  # looked again: nothing more said
    assert lines == [
        "ignored the hold of scv-conformance run aaaaaa (since 2026-12-07 01:00:00 UTC, "
        "until 2026-12-07 01:01:00 UTC): it has expired, but could not be removed (HTTP 405)"
    ]
    assert "could not be removed: HTTP 405" in str(hold.give_back())
