"""The public clients of SCV, replayed through ``scv-conformance proxy``, conform."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conformance.emulator.config import DEFAULT_PASSWORD, DEFAULT_USERNAME
from tests.client.public_clients import ansible, powershell

pytestmark = pytest.mark.integration

ANNOUNCED = re.compile(r"proxy at (http://127\.0\.0\.1:\d+)/api")


@contextmanager
def proxy_command(tmp_path: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``scv-conformance proxy`` on a free port with the embedded emulator; the origin."""
    command = [sys.executable, "-m", "conformance.cli", "proxy", "--listen", "127.0.0.1:0"]
    process = subprocess.Popen(
        [*command, "--report-dir", str(tmp_path / "reports"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        origin = None
        while origin is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            found = ANNOUNCED.search(line)
            origin = found.group(1) if found else None
        assert origin is not None, process.stderr.read() if process.stderr else ""
        yield origin, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def stopped(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> int:
    process.send_signal(sig)
    return process.wait(timeout=60)


def summary_of(tmp_path: Path) -> dict[str, object]:
    (folder,) = (tmp_path / "reports").iterdir()
    return dict(json.loads((folder / "summary.json").read_text()))


def test_the_powershell_client_conforms(tmp_path: Path) -> None:
    record = tmp_path / "powershell.har"
    with proxy_command(tmp_path, "--record", str(record)) as (origin, process):
        powershell(f"{origin}/api", origin, DEFAULT_USERNAME, DEFAULT_PASSWORD)
        assert stopped(process, signal.SIGINT) == 0
    summary = summary_of(tmp_path)
    assert summary["failures"] == [] and summary["deviations"] == []
    assert summary["stoppedBy"] == "SIGINT"
    operations = summary["operations"]
    assert isinstance(operations, dict)
    assert {"createResourceGroup", "backupResourceGroupNow", "getPolicies"} <= set(operations)
    text = record.read_text()
    assert DEFAULT_PASSWORD not in text
    # the recorded session, judged offline, conforms as well
    check = [sys.executable, "-m", "conformance.cli", "check", "--client", str(record)]
    assert subprocess.run(check, capture_output=True, check=False).returncode == 0


def test_the_ansible_role_conforms(tmp_path: Path) -> None:
    with proxy_command(tmp_path) as (origin, process):
        ansible(f"{origin}/api", DEFAULT_USERNAME, DEFAULT_PASSWORD)
        assert stopped(process) == 0
    summary = summary_of(tmp_path)
    assert summary["failures"] == [], summary["failures"]
    assert "addStorageSystem" in summary["operations"]  # type: ignore[operator]
