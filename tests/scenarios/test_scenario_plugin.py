"""The pytest plugin end to end: embedded emulator (TLS), a separate emulator, skips."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from scenario_helpers import emulator, free_port

from conformance.core.manifest import Manifest, child_variables, manifest_path
from conformance.core.selection import Selection
from conformance.emulator import EmbeddedEmulator
from conformance.run.spawn import PLUGIN
from conformance.scenarios.loader import SCENARIO_DIR

pytestmark = pytest.mark.integration

ROOT = SCENARIO_DIR.parent
WORKFLOWS = 28
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


def _point_at(
    monkeypatch: pytest.MonkeyPatch,
    emu: EmbeddedEmulator,
    run_dir: Path,
    *,
    embedded: bool,
    **overrides: Any,
) -> None:
    """Write the manifest the parent would for ``emu`` and hand it to the next run."""
    values: dict[str, Any] = {
        "target": emu.base_url,
        "vcenter": emu.vcenter_url,
        "username": emu.username,
        "tls_verify": emu.ca_path or False,
        "release": "6.2",
        "reported_version": "6.2",
        "embedded": embedded,
        "allow_destructive": False,
        "seed": 0,
        "profile": "full",
        "max_examples": None,
        "job_timeout": 5.0,
        "response_time_budget_ms": 1000,
        "run_dir": run_dir.absolute(),
        "allure_dir": (run_dir / "allure-results").absolute(),
        "junit_path": (run_dir / "junit.xml").absolute(),
        "suites": ("scenarios",),
        "plugins": ("conformance.scenarios.plugin",),
    }
    values.update(overrides)
    path = Manifest(**values).write(manifest_path(run_dir))
    for name, value in child_variables(path, emu.password).items():
        monkeypatch.setenv(name, value)


def _run(*args: str) -> tuple[int, Recorder]:
    recorder = Recorder()
    code = pytest.main(
        [
            "-p",
            PLUGIN,
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
        _point_at(monkeypatch, emu, tmp_path, embedded=True)
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
    # the tree by API area (the workflow's first tag), then the workflow
    assert {
        ("scv.suite", "scenario"),
        ("scv.workflowId", "restoreVm"),
        ("parentSuite", "vm"),
        ("suite", "restoreVm"),
        ("subSuite", "workflow"),
        ("feature", "Restore a VM"),
    } <= labels
    assert len(labels) == len(result["labels"]), "no label twice"
    steps = [step["name"] for step in result["steps"]]
    # the VM is the inventory's or one of its pool's, whichever was free when it started
    assert any(re.fullmatch(r"vmBackups: GET /api/4\.1/vm/vm-\d+/backups → 200", s) for s in steps)
    assert any(s.startswith("vmInVcenter: GET /api/vcenter/vm → 200") for s in steps)
    everything = "".join(p.read_text() for p in allure_dir.iterdir())
    assert emu.password not in everything


def test_a_failing_workflow_records_what_the_reports_need(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with emulator(tls=False, fault="schedule-not-saved") as emu:
        _point_at(
            monkeypatch,
            emu,
            tmp_path,
            embedded=True,
            selection=Selection(workflows=("modifyBuiltInSchedule",)),
        )
        code, recorder = _run(str(SCENARIO_DIR))
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
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with emulator(tls=False) as emu:
        _point_at(
            monkeypatch,
            emu,
            tmp_path,
            embedded=True,
            selection=Selection(workflows=("noSuchWorkflow",)),
        )
        code, _ = _run(str(SCENARIO_DIR))
    assert code == pytest.ExitCode.USAGE_ERROR
    assert "--only: unknown workflow 'noSuchWorkflow'" in capsys.readouterr().err


def test_destructive_workflows_are_skipped_against_a_real_target(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with emulator(tls=False) as emu:
        _point_at(monkeypatch, emu, tmp_path, embedded=False)
        code, recorder = _run(str(SCENARIO_DIR), "-rs")
        _point_at(
            monkeypatch,
            emu,
            tmp_path,
            embedded=False,
            allow_destructive=True,
            selection=Selection(workflows=("restoreVm",)),
        )
        _, without_inventory = _run(str(SCENARIO_DIR))
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
            httpx.get(url, timeout=1.0, verify=False)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"the emulator at {url} did not start")


def test_relative_paths_from_another_folder_against_a_separately_started_emulator(
    tmp_path: Path,
) -> None:
    """The user's folder is not the child pytest's: --config, --tls-verify and --report-dir
    given relative to it still hold, and the manifest records them absolute, without the
    password."""
    port = free_port()
    example = (ROOT / "examples" / "emulator-target.toml").read_text()
    assert "127.0.0.1:9001" in example
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "target.toml").write_text(
        example.replace("http://127.0.0.1:9001", f"https://127.0.0.1:{port}")
    )
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if not k.startswith("SCV_")}
    env["SCV_PASSWORD"] = "scv-emulator"  # as the example's comment says
    cli = [sys.executable, "-m", "conformance.cli"]
    server = subprocess.Popen(
        [*cli, "emulate", "--port", str(port), "--cert-dir", "certs", "--job-duration", "0.2"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        _wait_for(f"https://127.0.0.1:{port}/api/4.1/schedules")
        run = subprocess.run(
            [
                *cli,
                "scenarios",
                "--config",
                "conf/target.toml",
                "--tls-verify",
                "certs/ca.pem",
                "--report-dir",
                "out",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    (run_dir,) = (tmp_path / "out").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["totals"]["passed"] == WORKFLOWS
    manifest = (run_dir / ".run" / "manifest.json").read_text()
    assert json.loads(manifest)["tls_verify"] == str(tmp_path / "certs" / "ca.pem")
    assert "scv-emulator" not in manifest + run.stdout + run.stderr
    assert "warning" not in run.stderr  # the example holds no password: nothing to warn of
