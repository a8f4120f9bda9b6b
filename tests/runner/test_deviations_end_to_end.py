"""An appliance that differs from the emulator only where the documentation allows is
CONFORMANT, with its deviations listed; under --strict it is not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.lenient_appliance import serve_lenient

pytestmark = pytest.mark.integration

SCRIPT = Path(sys.executable).with_name("scv-conformance")
#: What NetApp's own Ansible role sends to add a storage system (another name).
STORAGE_BODY = {
    "asup": False,
    "name": "svm-e2e01",
    "password": "pw-1",
    "platformType": "AFF",
    "port": 443,
    "preferredIp": "",
    "protocol": "HTTPS",
    "syslog": True,
    "timeout": 120,
    "userName": "vsadmin",
}


def _run(config: Path, reports: Path, password: str, *extra: str) -> tuple[int, str, Path]:
    done = subprocess.run(
        [str(SCRIPT), "run", "--config", str(config), "--report-dir", str(reports), *extra],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "SCV_PASSWORD": password},
    )
    runs = sorted(p for p in reports.iterdir() if p.is_dir())
    return done.returncode, done.stdout + done.stderr, runs[-1]


def _summary(run_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run_dir / "summary.json").read_text())
    return data


def test_documented_differences_are_deviations_and_strict_fails_them(tmp_path: Path) -> None:
    assert SCRIPT.exists(), f"install the package first (pip install -e .): no {SCRIPT}"
    reports = tmp_path / "reports"
    with serve_lenient() as appliance:
        # as Spring does, it ignores a request field it does not know, and names the user
        # userName in what it lists
        login = httpx.post(
            f"{appliance.base_url}/4.1/auth/login",
            json={"username": appliance.username, "password": appliance.password},
        )
        token = {"Token": login.json()["response"]["token"]}
        body = {**STORAGE_BODY, "certificate": "-----BEGIN CERTIFICATE-----"}
        added = httpx.post(f"{appliance.base_url}/4.1/storage-system", json=body, headers=token)
        assert added.status_code == 200, added.text
        listed = httpx.get(f"{appliance.base_url}/4.1/storage-system", headers=token).json()
        (mine,) = [
            s for s in listed["response"]["storageSystemResponseList"] if s["name"] == "svm-e2e01"
        ]
        assert mine["userName"] == "vsadmin" and "certificate" not in mine
        httpx.request(
            "DELETE",
            f"{appliance.base_url}/4.1/storage-system",
            json={"name": "svm-e2e01"},
            headers=token,
        )
        config = appliance.config_file(tmp_path)
        code, output, run_dir = _run(config, reports, appliance.password, "--profile", "smoke")
        summary = _summary(run_dir)
        assert code == 0, output[-4000:]
        assert (summary["status"], summary["strict"]) == ("conformant", False)
        assert summary["failures"] == []
        # the storage workflows send the client-proven body, which a Spring appliance reads
        for workflow in ("addStorageVm", "modifyStorageVm"):
            assert summary["workflows"][workflow]["status"] == "passed", workflow
        deviations = {
            (d.get("operationId") or d.get("workflowId"), d.get("check") or d.get("stepId"))
            for d in summary["deviations"]
        }
        # an extra field in the closed (by assumption) audit configuration and retention,
        # an undocumented job type in the job list and in the unmount workflow's check
        assert ("getAuditConfig", "response_schema_conformance") in deviations
        assert ("getJobs", "response_schema_conformance") in deviations
        assert any(op in ("getPolicies", "createPolicy", "updatePolicy") for op, _ in deviations)
        assert ("unmountDatastoreBackup", "successCriteria") in deviations
        for entry in summary["deviations"]:
            assert entry["reproduce"].startswith("curl "), entry
        assert "auditLevel" in json.dumps(summary["deviations"])
        assert "CONFORMANT: no failures;" in output and "deviations from our assumptions" in output
        markdown = (run_dir / "summary.md").read_text()
        assert "## Deviations from our assumptions" in markdown
        junit = (run_dir / "junit.xml").read_text()
        assert 'name="verdict" value="deviation"' in junit and "<failure" not in junit

        code, output, run_dir = _run(
            config, reports, appliance.password, "--profile", "smoke", "--only", "fuzz", "--strict"
        )
    summary = _summary(run_dir)
    assert code == 1, output[-4000:]
    assert (summary["status"], summary["strict"]) == ("failures", True)
    assert summary["failures"] == [], "failing under --strict, still named deviations"
    assert ("getAuditConfig", "response_schema_conformance") in {
        (d.get("operationId"), d.get("check")) for d in summary["deviations"]
    }
    results = [
        json.loads(p.read_text()) for p in (run_dir / "allure-results").glob("*-result.json")
    ]
    failed = [r for r in results if r["status"] == "failed"]
    assert failed and all("[deviation]" in r["statusDetails"]["message"] for r in failed)
