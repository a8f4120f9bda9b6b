"""Progress: operations and workflows done out of those collected."""

from __future__ import annotations

import pytest

from conformance.core.item_keys import ItemKey, item_key
from conformance.run.progress import ProgressTracker

pytestmark = pytest.mark.unit


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


def _report(tracker: ProgressTracker, nodeid: str, when: str, outcome: str) -> None:
    tracker.handle({"event": "report", "nodeid": nodeid, "when": when, "outcome": outcome})


def test_a_test_counts_once_and_when_it_is_finished() -> None:
    """The outcome counts and the finished tests agree at every moment: a passed call is
    counted with its teardown, and a test whose call failed and teardown errored is one."""
    tracker = ProgressTracker()
    ids = ["s.openapi.yaml::a::x", "s.openapi.yaml::a::y", "s.openapi.yaml::b::x"]
    tracker.handle({"event": "collected", "ids": ids})
    _report(tracker, ids[0], "setup", "passed")
    _report(tracker, ids[0], "call", "passed")
    assert "tests 0/3  0 passed" in tracker.line(1).plain
    _report(tracker, ids[0], "teardown", "passed")
    assert "tests 1/3  1 passed" in tracker.line(1).plain
    _report(tracker, ids[1], "setup", "passed")
    _report(tracker, ids[1], "call", "failed")
    _report(tracker, ids[1], "teardown", "error")
    _report(tracker, ids[2], "setup", "skipped")
    _report(tracker, ids[2], "teardown", "passed")
    line = tracker.line(1).plain
    assert "tests 3/3  1 passed, 1 failed, 1 skipped" in line
    assert "errors" not in line


def test_the_stateful_walk_is_no_operation() -> None:
    tracker = ProgressTracker()
    ids = ["specs/scv.openapi.yaml::getJob::x", "specs/scv.openapi.yaml::stateful::x"]
    tracker.handle({"event": "collected", "ids": ids})
    for nodeid in ids:
        _report(tracker, nodeid, "call", "passed")
        _report(tracker, nodeid, "teardown", "passed")
    assert tracker.counts("fuzz") == (1, 1)
    assert "operations 1/1 · tests 2/2" in tracker.line(1).plain


def test_a_terminal_shows_a_bar_per_suite_with_what_runs_and_the_time_left() -> None:
    import io

    from rich.console import Console

    from conformance.run.progress import ProgressDisplay

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    display = ProgressDisplay(console)
    ids = [f"s.openapi.yaml::op{i}::x" for i in range(4)] + ["w.arazzo.yaml::wf1"]
    display.tracker.handle({"event": "collected", "ids": ids})
    display.tracker.handle({"event": "start", "nodeid": ids[0]})
    display.tracker.handle(
        {"event": "report", "nodeid": ids[0], "when": "teardown", "outcome": "passed"}
    )
    display.tracker.handle({"event": "start", "nodeid": ids[1]})
    display.tracker.handle({"event": "start", "nodeid": ids[4]})
    console.print(display._render_terminal())
    text = out.getvalue()
    operations = next(line for line in text.splitlines() if line.startswith("operations"))
    assert "1/4" in operations and "op1" in operations
    assert ":" in operations.split("1/4")[1]  # the time left (rich's -:--:-- until it knows)
    workflows = next(line for line in text.splitlines() if line.startswith("workflows"))
    assert "0/1" in workflows and "wf1" in workflows
    assert "operations 1/4 · workflows 0/1 · tests 1/5" in text


def test_without_a_terminal_only_the_status_line() -> None:
    import io

    from rich.console import Console

    from conformance.run.progress import ProgressDisplay

    out = io.StringIO()
    display = ProgressDisplay(Console(file=out, width=120))
    display.tracker.handle({"event": "collected", "ids": ["s.openapi.yaml::a::x"]})
    display.tracker.handle({"event": "start", "nodeid": "s.openapi.yaml::a::x"})
    display.stop()
    assert out.getvalue().splitlines() == ["operations 0/1 · tests 0/1  0 passed  0s"]
