"""--dry-run: the listing of what would run and be skipped, and not one request."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.fuzz.items import operation_checks
from conformance.run.runner import workflow_ids
from conformance.scenarios import loader

pytestmark = pytest.mark.integration


def test_dry_run_lists_runs_skips_and_filters_without_a_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")  # one line per table row
    accepted: list[object] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        stop = threading.Event()

        def accept() -> None:
            while not stop.is_set():
                try:
                    accepted.append(listener.accept()[0])
                except OSError:
                    continue

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        code = main(
            [
                "run", "--dry-run", "--target", f"https://127.0.0.1:{port}",
                "--username", "u", "--password", "p", "--exclude-tag", "audit",
                "--only", "fuzz", "--only", "restoreVm",
            ]
        )  # fmt: skip
        stop.set()
        thread.join()
    out = capsys.readouterr().out
    assert code == 0
    assert accepted == []
    assert not (tmp_path / "reports").exists()
    assert "dry run: no request is sent" in out and "6.2 assumed" in out
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if "│" in line}
    assert "run" in lines["getJobs"]
    assert "[safety]" in lines["createPolicy"]  # a real appliance, no --allow-destructive
    assert "--exclude-tag" in lines["getAuditConfig"]
    assert "[safety]" in lines["restoreVm"] and "not in --only" in lines["backupOnDemand"]
    assert "tests would run" in out
    # the checks are named, each one of them
    (named,) = [ln for ln in out.splitlines() if ln.startswith("checks on each operation: ")]
    assert named.removeprefix("checks on each operation: ").split(", ") == operation_checks()
    # a workflow only other workflows call (a cleanup) is no test of its own
    assert not helper_workflows() & set(lines)


def test_only_offers_the_workflows_that_are_tests(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--only", "bogus", "--dry-run"]) == 2
    err = capsys.readouterr().err
    choices = set(err.split("choose from ", 1)[1].strip().split(", "))
    assert choices == {"fuzz", "scenarios", *workflow_ids()}
    assert helper_workflows() and not helper_workflows() & choices


def helper_workflows() -> set[str]:
    """The workflows that only other workflows call (their cleanups)."""
    documents = [loader.load(path) for path in loader.scenario_files()]
    every = {w.workflow_id for document in documents for w in document.workflows}
    return every - {w.workflow_id for document in documents for w in document.tests}


def test_dry_run_with_an_unknown_check_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["fuzz", "--dry-run", "--checks", "no_such_check"]) == 2
    assert "--checks: no check 'no_such_check'" in capsys.readouterr().err


def test_a_bad_overlay_is_one_line_and_no_listing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("actions: [\n")
    assert main(["run", "--overlay", str(bad), "--dry-run"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and "--overlay" in captured.err
