"""--dry-run: the listing of what would run and be skipped, and not one request."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from conformance.cli import main

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


def test_dry_run_with_an_unknown_check_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["fuzz", "--dry-run", "--checks", "no_such_check"]) == 2
    assert "--checks: no check 'no_such_check'" in capsys.readouterr().err
