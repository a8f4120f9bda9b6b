"""Learn, then run with the overlay: no deviation and no failure is left.

The appliance is the lenient one (US times, no `uri` key, a list as `responseMessage`,
extra fields in schemas closed by assumption, another job type) with the emulator's
`uri-not-null` fault on top, which breaks a documented envelope rule the SCV checks judge
in Python. Without the overlay the fuzzing suite reports failures and deviations; with the
overlay learn wrote, none: the envelope rules read their constraint from the contract.
The unmount workflow deviates too (its job type is an assumed criterion); learn, which ran
the workflows, adapts that criterion with an action on the scenario documents, and the
workflow with the overlay deviates no more.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import main
from tests.lenient_appliance import UNMOUNT_JOB_TYPE, serve_lenient

pytestmark = pytest.mark.integration

SCRIPT = Path(sys.executable).with_name("scv-conformance")


def _run(
    command: str, config: Path, reports: Path, password: str, *extra: str
) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [str(SCRIPT), command, "--config", str(config), "--report-dir", str(reports), *extra],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "SCV_PASSWORD": password},
    )
    run_dir = sorted(p for p in reports.iterdir() if p.is_dir())[-1]
    summary: dict[str, Any] = json.loads((run_dir / "summary.json").read_text())
    assert done.returncode == summary["exitCode"], done.stdout[-3000:] + done.stderr[-3000:]
    return done.returncode, summary


def _checks(entries: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(e.get("operationId") or "", e.get("check") or "") for e in entries}


def test_learn_then_a_run_with_the_overlay_leaves_no_deviation_and_no_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert SCRIPT.exists(), f"install the package first (pip install -e .): no {SCRIPT}"
    reports = tmp_path / "reports"
    learned = tmp_path / "learned.yaml"
    with serve_lenient(fault="uri-not-null") as appliance:
        config = appliance.config_file(tmp_path, "max_examples = 3")
        # one seed for both runs: which rare cases they make is fixed, not drawn anew each time
        fuzz = ("--profile", "smoke", "--seed", "1")
        code, plain = _run("fuzz", config, reports, appliance.password, *fuzz)
        assert code == 1 and plain["status"] == "failures"
        failures, deviations = _checks(plain["failures"]), _checks(plain["deviations"])
        assert ("getPolicies", "scv_uri_null") in failures, "uri null is documented"
        # the fault's uri breaks the documented envelope in every answer; the 4xx answers
        # break only their assumed shape
        assert ("getPolicies", "response_schema_conformance") in failures
        assert deviations, "an assumption broken too"

        monkeypatch.setenv("SCV_PASSWORD", appliance.password)
        assert main(["learn", "--config", str(config), "--out", str(learned)]) == 0
        assert "still not fitting" not in capsys.readouterr().out

        code, adapted = _run(
            "fuzz", config, reports, appliance.password, *fuzz, "--overlay", str(learned)
        )
        unmount = ("--only", "unmountDatastoreBackup")
        code_before, before = _run("scenarios", config, reports, appliance.password, *unmount)
        code_after, after = _run(
            "scenarios", config, reports, appliance.password, *unmount, "--overlay", str(learned)
        )
    assert (code, adapted["status"]) == (0, "conformant"), adapted["failures"]
    assert adapted["failures"] == [] and adapted["deviations"] == [], json.dumps(
        adapted["deviations"]
    )[:3000]
    assert adapted["totals"]["passed"] > 0
    workflow_actions = [
        action
        for action in yaml.safe_load(learned.read_text())["actions"]
        if action["target"].startswith("$.workflows")
    ]
    assert [a["update"]["condition"] for a in workflow_actions] == [
        f"$response.body#/response/jobType == '{UNMOUNT_JOB_TYPE}'"
    ]
    assert (code_before, before["status"]) == (0, "conformant"), before["failures"]
    assert [d.get("workflowId") for d in before["deviations"]] == ["unmountDatastoreBackup"]
    assert (code_after, after["status"]) == (0, "conformant"), after["failures"]
    assert after["deviations"] == [] and after["totals"]["passed"] == 1, json.dumps(after)[:3000]
