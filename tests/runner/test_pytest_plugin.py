"""The harness as a pytest plugin: `pytest --scv ...` from a team's own folder."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.reporting.junit import read_counts

pytestmark = pytest.mark.integration

PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PYTEST, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_pytest_runs_the_harness_with_the_same_options(tmp_path: Path) -> None:
    (tmp_path / "test_own.py").write_text("def test_team_own():\n    assert True\n")
    done = _pytest(
        tmp_path,
        "--scv",
        "--scv-only", "fuzz",
        "--scv-include-operation-id", "getJobs",
        "--scv-checks", "not_a_server_error,status_code_conformance",
        "--scv-max-examples", "1",
        "--scv-seed", "5",
        "--scv-report", "har",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (run_dir,) = (tmp_path / "reports").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert set(summary["operations"]) == {"getJobs", "stateful"}
    assert set(summary["operations"]["getJobs"]["checks"]) == {
        "not_a_server_error",
        "status_code_conformance",
    }
    assert summary["seed"] == 5 and summary["replay"].endswith("--scv-seed 5")
    assert (
        summary["replay"].startswith("pytest ")
        and "--scv-include-operation-id getJobs" in (summary["replay"])
    )
    assert list((run_dir / "allure-results").glob("*-result.json"))
    assert (run_dir / "exchanges.har").is_file()  # --scv-report har, as `run --report har`
    assert ET.parse(run_dir / "junit.xml").getroot().get("name") == "scv-conformance"
    assert "test_team_own" in (run_dir / "junit.xml").read_text()  # the team's tests ran too


def test_without_scv_options_the_plugin_does_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_own.py").write_text("def test_team_own():\n    assert True\n")
    done = _pytest(tmp_path)
    assert done.returncode == 0 and "1 passed" in done.stdout
    assert not (tmp_path / "reports").exists()


def test_an_unreachable_target_exits_3_with_a_report(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = _pytest(
        tmp_path,
        "--scv-target", f"http://127.0.0.1:{port}",
        "--scv-username", "u",
        "--scv-password", "not-in-any-report",
    )  # fmt: skip
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    (run_dir,) = (tmp_path / "reports").iterdir()
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "unreachable"
    # CI reads junit.xml: it says the run could not run, and why
    junit = ET.parse(run_dir / "junit.xml").getroot()
    (error,) = junit.iter("error")
    assert str(port) in (error.get("message") or "")
    assert read_counts(run_dir / "junit.xml").errors == 1
    assert "not-in-any-report" not in done.stdout + done.stderr
