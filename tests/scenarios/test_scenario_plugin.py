"""The pytest plugin end to end: embedded emulator (TLS), a separate emulator, skips."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from scenario_helpers import emulator, free_port

from conformance.core.context import EMBEDDED_MARKER, REPORTED_VERSION
from conformance.emulator import EmbeddedEmulator
from conformance.scenarios.loader import SCENARIO_DIR

ROOT = SCENARIO_DIR.parent
WORKFLOWS = 22
NON_DESTRUCTIVE = {"jobsAndReports"}


class Recorder:
    """Collects the call reports of an in-process pytest run."""

    def __init__(self) -> None:
        self.reports: list[pytest.TestReport] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome == "skipped":
            self.reports.append(report)

    def outcomes(self) -> dict[str, str]:
        return {r.nodeid.rsplit("::", 1)[1]: r.outcome for r in self.reports}


def _clear_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SCV_"):
            monkeypatch.delenv(name)


def _point_at(monkeypatch: pytest.MonkeyPatch, emu: EmbeddedEmulator, embedded: bool) -> None:
    _clear_settings(monkeypatch)
    monkeypatch.setenv("SCV_TARGET", emu.base_url)
    monkeypatch.setenv("SCV_VCENTER", emu.vcenter_url)
    monkeypatch.setenv("SCV_USERNAME", emu.username)
    monkeypatch.setenv("SCV_PASSWORD", emu.password)
    monkeypatch.setenv("SCV_TLS_VERIFY", emu.ca_path or "false")
    monkeypatch.setenv("SCV_JOB_TIMEOUT", "5")
    monkeypatch.setenv(REPORTED_VERSION, "6.2")
    if embedded:
        monkeypatch.setenv(EMBEDDED_MARKER, "1")


def _run(*args: str) -> tuple[int, Recorder]:
    recorder = Recorder()
    code = pytest.main(
        [
            "-p",
            "conformance.scenarios.plugin",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(ROOT),
            *args,
        ],
        plugins=[recorder],
    )
    return int(code), recorder


def test_all_workflows_pass_through_the_plugin_against_the_embedded_emulator(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    allure_dir = tmp_path / "allure"
    with emulator(tls=True) as emu:
        _point_at(monkeypatch, emu, embedded=True)
        code, recorder = _run(str(SCENARIO_DIR), "--alluredir", str(allure_dir))
    outcomes = recorder.outcomes()
    assert code == 0, [r.longreprtext for r in recorder.reports if r.failed]
    assert len(outcomes) == WORKFLOWS and set(outcomes.values()) == {"passed"}
    node = next(r.nodeid for r in recorder.reports if r.nodeid.endswith("::restoreVm"))
    assert node == "scenarios/06-restore-vm.arazzo.yaml::restoreVm"
    restore = next(r for r in recorder.reports if r.nodeid == node)
    assert ("suite", "scenario") in restore.user_properties
    assert ("workflowId", "restoreVm") in restore.user_properties
    results = [json.loads(p.read_text()) for p in allure_dir.glob("*-result.json")]
    result = next(r for r in results if r["name"] == "Restore a VM from its newest backup")
    labels = {(label["name"], label["value"]) for label in result["labels"]}
    assert {
        ("suite", "scenario"),
        ("workflowId", "restoreVm"),
        ("feature", "Restore a VM"),
    } <= labels
    steps = [step["name"] for step in result["steps"]]
    assert "vmBackups: GET /api/4.1/vm/vm-101/backups → 200" in steps
    assert any(s.startswith("vmInVcenter: GET /api/vcenter/vm → 200") for s in steps)
    everything = "".join(p.read_text() for p in allure_dir.iterdir())
    assert emu.password not in everything


def test_a_failing_workflow_records_what_the_reports_need(monkeypatch: pytest.MonkeyPatch) -> None:
    with emulator(tls=False, fault="schedule-not-saved") as emu:
        _point_at(monkeypatch, emu, embedded=True)
        code, recorder = _run(str(SCENARIO_DIR), "--scv-workflow", "modifyBuiltInSchedule")
    assert code == 1
    (report,) = recorder.reports
    properties = dict(report.user_properties)
    assert properties["suite"] == "scenario"
    assert properties["workflowId"] == "modifyBuiltInSchedule"
    assert properties["stepId"] == "readBackSchedule"
    assert properties["check"] == "successCriteria"
    assert properties["reproduce"].startswith("curl -k -X GET")
    assert '"Token: $SCV_TOKEN"' in properties["reproduce"]
    assert report.longreprtext.startswith(
        "modifyBuiltInSchedule/readBackSchedule: GET /api/4.1/schedules answered HTTP 200"
    )
    assert '@.cronExpression == "0 47 3 * * ?"' in report.longreprtext
    assert "Traceback" not in report.longreprtext


def test_unknown_workflow_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _clear_settings(monkeypatch)
    code, _ = _run(str(SCENARIO_DIR), "--scv-workflow", "noSuchWorkflow")
    assert code == pytest.ExitCode.USAGE_ERROR
    assert "--scv-workflow: unknown workflow 'noSuchWorkflow'" in capsys.readouterr().err


def test_destructive_workflows_are_skipped_against_a_real_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with emulator(tls=False) as emu:
        _point_at(monkeypatch, emu, embedded=False)
        code, recorder = _run(str(SCENARIO_DIR), "-rs")
        monkeypatch.setenv("SCV_ALLOW_DESTRUCTIVE", "true")
        _, without_inventory = _run(str(SCENARIO_DIR), "--scv-workflow", "restoreVm")
    assert code == 0
    outcomes = recorder.outcomes()
    assert {k for k, v in outcomes.items() if v == "passed"} == NON_DESTRUCTIVE
    skipped = [r for r in recorder.reports if r.skipped]
    assert len(skipped) == WORKFLOWS - len(NON_DESTRUCTIVE)
    reason = str(skipped[0].longrepr[2])  # type: ignore[index]
    assert "changes appliance state; left out against" in reason
    assert "without --allow-destructive" in reason
    (report,) = without_inventory.reports
    assert report.skipped
    assert "restoreVm needs inventory names vm" in str(report.longrepr[2])  # type: ignore[index]


def _wait_for(url: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"the emulator at {url} did not start")


def test_all_workflows_pass_against_a_separately_started_emulator(tmp_path: Path) -> None:
    port = free_port()
    example = (ROOT / "examples" / "emulator-target.toml").read_text()
    assert "127.0.0.1:9001" in example
    config = tmp_path / "target.toml"
    config.write_text(example.replace("127.0.0.1:9001", f"127.0.0.1:{port}"))
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if not k.startswith("SCV_")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "conformance.cli",
            "emulate",
            "--no-tls",
            "--port",
            str(port),
            "--job-duration",
            "0.2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/api/4.1/schedules")
        junit = tmp_path / "junit.xml"
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "conformance.scenarios.plugin",
                "-q",
                "-p",
                "no:cacheprovider",
                str(SCENARIO_DIR),
                f"--junitxml={junit}",
            ],
            cwd=ROOT,
            env={**env, "SCV_CONFIG": str(config)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert f"{WORKFLOWS} passed" in run.stdout
    assert "scv-emulator" not in run.stdout + run.stderr
