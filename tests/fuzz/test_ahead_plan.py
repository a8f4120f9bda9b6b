"""The order and the overlaps of fuzzing's runs ahead, with the real scheduler and contract.

Each job only notes when it started and ended; the first run and the survey wait for each
other (a BrokenBarrierError when they could not overlap).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from conformance.contract.spec import load_contract
from conformance.core.scheduler import ConflictScheduler
from conformance.fuzz.suite import SURVEY, ahead_plan

pytestmark = pytest.mark.unit

CONTRACT = load_contract()
STATEFUL = ("stateful", "stateful")


def _run(operation_ids: list[str], meet: tuple[Any, Any] | None) -> list[tuple[str, Any]]:
    """Run the plan's jobs at concurrency 8; the events (start/stop, key) in order."""
    keys, conflicts = ahead_plan(CONTRACT, operation_ids, stateful=True)
    events: list[tuple[str, Any]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2, timeout=10)

    def job(key: Any) -> None:
        with lock:
            events.append(("start", key))
        if meet is not None and key in meet:
            barrier.wait()
        with lock:
            events.append(("stop", key))

    scheduler = ConflictScheduler(
        [(key, lambda key=key: job(key)) for key in keys], 8, conflicts, ordered=True
    )
    scheduler.start()
    for key in keys:
        done = scheduler.wait(key)
        assert done.error is None, done.error
    return events


def test_the_survey_goes_beside_the_reads_and_before_every_change_and_probe() -> None:
    ids = CONTRACT.operation_ids()
    read = ("engine", next(op.operation_id for op in CONTRACT.operations if not op.mutates))
    events = _run(ids, meet=(read, SURVEY))
    surveyed = events.index(("stop", SURVEY))
    started = [key for kind, key in events[:surveyed] if kind == "start"]
    assert read in started
    changing = {op.operation_id for op in CONTRACT.operations if op.mutates}
    assert not [k for k in started if k[0] in ("probes", "stateful") or k[1] in changing]
    # the walk starts once every other job has ended
    walk = events.index(("start", STATEFUL))
    assert {key for kind, key in events[:walk] if kind == "stop"} == {
        key for kind, key in events if key != STATEFUL
    }


def test_before_runs_that_change_state_the_survey_goes_alone() -> None:
    changes = [op.operation_id for op in CONTRACT.operations if op.mutates][:3]
    events = _run(changes, meet=None)
    surveyed = events.index(("stop", SURVEY))
    assert not [key for kind, key in events[:surveyed] if kind == "start" and key[0] == "engine"]
