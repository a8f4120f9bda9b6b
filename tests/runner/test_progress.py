"""Progress: operations and workflows done out of those collected."""

from __future__ import annotations

from conformance.core.item_keys import ItemKey, item_key
from conformance.run.progress import ProgressTracker


def test_item_keys() -> None:
    assert item_key("specs/scv.openapi.yaml::getJob::status_code") == ItemKey("fuzz", "getJob")
    assert item_key("specs/scv.openapi.yaml::getJob[3]") == ItemKey("fuzz", "getJob")
    assert item_key("scenarios/05.arazzo.yaml::backupOnDemand") == ItemKey(
        "scenario", "backupOnDemand"
    )


def test_counts_operations_when_all_their_tests_finished() -> None:
    tracker = ProgressTracker()
    ids = [
        "s.openapi.yaml::a::x",
        "s.openapi.yaml::a::y",
        "s.openapi.yaml::b::x",
        "w.arazzo.yaml::wf1",
    ]
    tracker.handle({"event": "collected", "ids": ids})
    for nodeid, outcome in ((ids[0], "passed"), (ids[2], "failed"), (ids[3], "error")):
        tracker.handle({"event": "report", "nodeid": nodeid, "when": "call", "outcome": outcome})
        tracker.handle(
            {"event": "report", "nodeid": nodeid, "when": "teardown", "outcome": "passed"}
        )
    assert tracker.counts("fuzz") == (1, 2)
    assert tracker.counts("scenario") == (1, 1)
    line = tracker.line(3).plain
    assert "operations 1/2" in line and "workflows 1/1" in line and "tests 3/4" in line
    assert "1 passed, 1 failed, 1 errors" in line
