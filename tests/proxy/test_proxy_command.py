"""``scv-conformance proxy`` as a user runs it: exit codes, stops, the run folder."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.proxy.test_public_clients import proxy_command, stopped, summary_of

pytestmark = pytest.mark.integration


def test_a_client_failure_exits_1_when_max_time_ends_the_session(tmp_path: Path) -> None:
    with proxy_command(tmp_path, "--max-time", "3") as (origin, process):
        answer = httpx.get(f"{origin}/api/4.1/policies")  # no Token
        assert answer.status_code == 401  # the emulator refuses it, and the proxy names it
        assert process.wait(timeout=60) == 1
        out = process.stdout.read() if process.stdout else ""
    summary = summary_of(tmp_path)
    assert summary["stoppedBy"] == "max-time"
    assert [(f["operationId"], f["rule"]) for f in summary["failures"]] == [  # type: ignore[union-attr]
        ("getPolicies", "client_token_required")
    ]
    assert "FAILURE #0 getPolicies client_token_required" in out
    (folder,) = (tmp_path / "reports").iterdir()
    assert {p.name for p in folder.iterdir()} >= {
        "summary.json",
        "summary.md",
        "junit.xml",
        "allure-results",
    }
    assert 'failures="1"' in (folder / "junit.xml").read_text()


def test_an_unreachable_appliance_exits_3_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    command = [sys.executable, "-m", "conformance.cli", "proxy", "--listen", "127.0.0.1:0"]
    done = subprocess.run(
        [*command, "--target", f"http://127.0.0.1:{port}/api", "--report-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1 and "cannot reach 127.0.0.1" in done.stderr
    (folder,) = tmp_path.iterdir()
    assert json.loads((folder / "summary.json").read_text())["status"] == "unreachable"


def test_a_taken_address_exits_3_and_a_bad_one_2(tmp_path: Path) -> None:
    with proxy_command(tmp_path) as (origin, process):
        taken = origin.rsplit(":", 1)[1]
        command = [sys.executable, "-m", "conformance.cli", "proxy", "--report-dir", str(tmp_path)]
        done = subprocess.run(
            [*command, "--listen", f"127.0.0.1:{taken}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 3 and "already in use" in done.stderr
        assert stopped(process) == 0
    bad = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "proxy", "--listen", "8144"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and "--listen: expected HOST:PORT" in bad.stderr
