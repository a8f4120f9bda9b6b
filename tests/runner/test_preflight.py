"""The preflight: a target that cannot be judged ends the run within seconds, with one line
and a summary; a target that can be judged is asked which alternative it uses.

The stand-ins are real servers on loopback: emulators started as separate processes, and a
plain HTTP server that is no SCV appliance.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.cli import main
from conformance.contract.spec import load_contract
from conformance.core.findings import Findings
from conformance.emulator import EmbeddedEmulator, EmulatorConfig
from conformance.http.session import Target
from conformance.run.preflight import described_operations, run_preflight
from conformance.scenarios.inventory import EMULATOR_INVENTORY
from tests.runner.emulators import Appliance, emulator

pytestmark = pytest.mark.integration

WRONG_PASSWORD = "Wrong-Pass-1234"
#: The promise: an unusable target ends the run this fast (generous: the machine is shared).
PROMISE_SECONDS = 10.0


class _NotScv(BaseHTTPRequestHandler):
    """Any path: a plain web server's 404 page, or a Spring application's error body."""

    spring = False

    def _answer(self) -> None:
        if self.spring:
            body = json.dumps(
                {"timestamp": "2026-11-27T10:00:00Z", "status": 404, "error": "Not Found"}
            ).encode()
            kind = "application/json"
        else:
            body = b"<html><body><h1>404 Not Found</h1></body></html>"
            kind = "text/html"
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.send_response(404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


class _Spring(_NotScv):
    spring = True


@pytest.fixture(params=["html", "spring"])
def web_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """A loopback HTTP server that is not an SCV appliance; its /api URL."""
    handler = _Spring if request.param == "spring" else _NotScv
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def plain() -> Iterator[Appliance]:
    with emulator() as appliance:
        yield appliance


@pytest.fixture(scope="module")
def tls() -> Iterator[Appliance]:
    with emulator(tls=True) as appliance:
        yield appliance


def stopped_run(
    reports: Path, capsys: pytest.CaptureFixture[str], *options: str
) -> tuple[int, float, str, Path]:
    """`scv-conformance run OPTIONS`: exit code, wall time, console output and run folder."""
    started = time.monotonic()
    code = main(["run", "--report-dir", str(reports), *options])
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    (run_dir,) = list(reports.iterdir())
    return code, elapsed, captured.out + captured.err, run_dir


def assert_stopped(
    code: int, elapsed: float, output: str, run_dir: Path, check: str, words: str
) -> dict[str, Any]:
    """Exit 3 within the promise, the reason on one line, summary and junit.xml say it."""
    assert code == 3, output
    assert elapsed < PROMISE_SECONDS, f"took {elapsed:.1f} s"
    reason_lines = [line for line in output.splitlines() if words in line]
    assert len(reason_lines) == 1, output
    assert "Traceback" not in output
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "preflight failed"
    assert summary["exitCode"] == 3
    assert summary["preflight"] == {
        "passed": False,
        "failedCheck": check,
        "reason": summary["error"],
    }
    assert words in summary["error"]
    assert summary["totals"]["total"] == 0
    markdown = (run_dir / "summary.md").read_text()
    assert "NOT RUN: the preflight failed" in markdown and words in markdown
    (case,) = ET.parse(run_dir / "junit.xml").getroot().iter("testcase")
    assert case.get("name") == check
    error = case.find("error")
    assert error is not None and words in (error.get("message") or "")
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert WRONG_PASSWORD.encode() not in path.read_bytes()
    assert WRONG_PASSWORD not in output
    return summary


def test_a_wrong_password_ends_the_run_at_once(
    plain: Appliance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, elapsed, output, run_dir = stopped_run(
        tmp_path / "reports",
        capsys,
        "--target",
        plain.base_url,
        "--username",
        plain.username,
        "--password",
        WRONG_PASSWORD,
    )
    assert_stopped(code, elapsed, output, run_dir, "login", "refused (HTTP 401)")


def test_a_proxy_that_does_not_answer_is_named_and_its_password_is_not(
    plain: Appliance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, elapsed, output, run_dir = stopped_run(
        tmp_path / "reports",
        capsys,
        *("--target", plain.base_url, "--username", plain.username),
        *("--password", plain.password, "--proxy", f"http://bob:{WRONG_PASSWORD}@127.0.0.1:{port}"),
    )
    assert code == 3 and elapsed < PROMISE_SECONDS, output
    words = f"unreachable through the proxy http://127.0.0.1:{port}"
    assert len([line for line in output.splitlines() if words in line]) == 1, output
    assert words in json.loads((run_dir / "summary.json").read_text())["error"]
    assert WRONG_PASSWORD not in output
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert WRONG_PASSWORD.encode() not in path.read_bytes(), path


def test_a_wrong_vcenter_address_ends_the_run_at_once(
    plain: Appliance,
    web_server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCV_PASSWORD", plain.password)
    code, elapsed, output, run_dir = stopped_run(
        tmp_path / "reports",
        capsys,
        "--target",
        plain.base_url,
        "--username",
        plain.username,
        "--vcenter",
        web_server.removesuffix("/api"),
    )
    assert_stopped(code, elapsed, output, run_dir, "vcenter", "is not a vCenter REST API")


def test_a_target_that_is_no_scv_appliance_ends_the_run_at_once(
    web_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, elapsed, output, run_dir = stopped_run(
        tmp_path / "reports",
        capsys,
        "--target",
        web_server,
        "--username",
        "administrator@vsphere.local",
        "--password",
        WRONG_PASSWORD,
    )
    summary = assert_stopped(code, elapsed, output, run_dir, "not-scv", "is not an SCV appliance")
    assert "answered HTTP 404" in summary["error"]


def test_an_unverified_certificate_ends_the_run_at_once_naming_tls_verify(
    tls: Appliance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, elapsed, output, run_dir = stopped_run(
        tmp_path / "reports",
        capsys,
        "--target",
        tls.base_url,
        "--username",
        tls.username,
        "--password",
        WRONG_PASSWORD,
    )
    summary = assert_stopped(code, elapsed, output, run_dir, "tls", "could not be verified")
    assert "--tls-verify" in summary["error"]


@pytest.mark.parametrize(
    ("snapshot_path", "spelling"),
    [("snapshotlocators", "translation"), ("snapshotlocations", "english"), ("both", "english")],
)
def test_discovery_finds_the_path_and_spelling_the_appliance_uses(
    snapshot_path: str, spelling: str
) -> None:
    config = EmulatorConfig(port=0, tls=False, snapshot_path=snapshot_path, spelling=spelling)
    with EmbeddedEmulator(config) as served:
        target = Target(
            served.base_url, served.username, served.password, vcenter_url=served.vcenter_url
        )
        findings = run_preflight(target, load_contract())
    assert findings.snapshot_path == snapshot_path
    assert findings.esx_hosts_spelling == spelling
    assert findings.vcenter_ok is True
    assert findings.version == "6.2"
    if snapshot_path == "snapshotlocators":
        expected = "The appliance serves snapshotlocators; snapshotlocations answered 404"
        assert any(note.startswith(expected) for note in findings.notes), findings.notes
    listed = "GET /4.1/datastores/backups/{backupId}/snapshotlocations"
    assert (listed in findings.described_operations) == (snapshot_path != "snapshotlocators")


@pytest.mark.parametrize("snapshot_path", ["snapshotlocators", "snapshotlocations", "both"])
def test_discovery_side_by_side_finds_and_notes_what_one_at_a_time_does(
    snapshot_path: str,
) -> None:
    config = EmulatorConfig(port=0, tls=False, snapshot_path=snapshot_path)
    with EmbeddedEmulator(config) as served:
        target = Target(
            served.base_url, served.username, served.password, vcenter_url=served.vcenter_url
        )
        inventory = {"datastore": "nfs_ds01", "vm": "finance-app01"}
        alone = run_preflight(target, load_contract(), inventory, concurrency=1)
        together = run_preflight(target, load_contract(), inventory, concurrency=8)
    assert replace(together, seconds=0.0) == replace(alone, seconds=0.0)
    assert alone.snapshot_path == snapshot_path and alone.esx_hosts_spelling


def test_the_preflight_closes_its_vcenter_session() -> None:
    """vCenter keeps few sessions per user: one left open pushes out the user's oldest."""
    config = EmulatorConfig(port=0, tls=False, max_sessions=2)
    with EmbeddedEmulator(config) as served:
        target = Target(
            served.base_url, served.username, served.password, vcenter_url=served.vcenter_url
        )
        with httpx.Client(base_url=served.vcenter_url) as vcenter:

            def log_in() -> dict[str, str]:
                answer = vcenter.post("/api/session", auth=(served.username, served.password))
                return {"vmware-api-session-id": answer.json()}

            mine = log_in()
            assert run_preflight(target, load_contract()).vcenter_ok is True
            log_in()  # a third live session would push out the oldest, mine
            assert vcenter.get("/api/vcenter/host", headers=mine).status_code == 200


def test_discovery_without_a_backup_to_ask_about_reads_the_description() -> None:
    """No datastore backup list answers (its path moved away): the description decides."""
    config = EmulatorConfig(port=0, tls=False, snapshot_path="snapshotlocators")
    with EmbeddedEmulator(config) as served:
        target = Target(served.base_url, served.username, served.password)
        contract = load_contract()
        findings = run_preflight(target, replace_backups_path(contract))
    assert findings.snapshot_path == "snapshotlocators"
    assert any("API description lists snapshotlocators only" in note for note in findings.notes)


def replace_backups_path(contract: Any) -> Any:
    """The contract with the datastore backup list at a path nothing serves."""
    operations = tuple(
        replace(op, path="/4.1/nowhere/{moref}") if op.operation_id == "getDatastoreBackups" else op
        for op in contract.operations
    )
    return replace(contract, operations=operations)


def test_unserved_alternative_is_a_not_applicable_skip() -> None:
    contract = load_contract()
    findings = Findings(snapshot_path="snapshotlocators")
    locations = contract.operation("getDatastoreSnapshotLocations")
    skip = findings.unserved_skip(locations)
    assert skip is not None and skip.kind.value == "not_applicable"
    assert "serves snapshotlocators" in skip.text
    assert findings.unserved_skip(contract.operation("getDatastoreSnapshotLocators")) is None
    assert findings.served_operation("getDatastoreSnapshotLocations", contract) == (
        "getDatastoreSnapshotLocators"
    )
    assert Findings(snapshot_path="both").unserved_skip(locations) is None
    assert Findings().unserved_skip(locations) is None
    assert Findings.from_json(findings.as_json()) == findings


def test_described_operations_are_relative_to_the_target_path() -> None:
    document = {
        "openapi": "3.1.0",
        "servers": [{"url": "https://{host}:8144/api"}],
        "paths": {"/4.1/appliance/info": {"get": {"operationId": "getApplianceInfo"}}},
    }
    assert described_operations(document, "/api") == {"GET /4.1/appliance/info": "getApplianceInfo"}
    swagger = {"swagger": "2.0", "basePath": "/", "paths": {"/api/4.1/jobs": {"get": {}}}}
    assert described_operations(swagger, "/api") == {"GET /4.1/jobs": None}


def write_config(path: Path, appliance: Appliance, **extra: object) -> Path:
    """A configuration file for ``appliance``, with the emulator's inventory names."""
    settings = {**appliance.settings(), "job_timeout": 30, **extra}
    lines = [
        f"{k} = {json.dumps(v) if not isinstance(v, bool) else str(v).lower()}"
        for k, v in settings.items()
    ]
    lines += ["[inventory]"] + [f"{k} = {json.dumps(v)}" for k, v in EMULATOR_INVENTORY.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def translated() -> Iterator[Appliance]:
    """An appliance that serves snapshotlocators only and spells AvailableEsxHostsList."""
    with emulator("--snapshot-path", "snapshotlocators", "--spelling", "translation") as appliance:
        yield appliance


def test_workflows_use_the_alternative_the_appliance_serves(
    translated: Appliance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "lab.toml", translated, allow_destructive=True)
    reports = tmp_path / "reports"
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--only",
            "scenarios",
            "--seed",
            "3",
            "--report-dir",
            str(reports),
        ]
    )
    output = capsys.readouterr()
    (run_dir,) = list(reports.iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert code == 0, output.out[-3000:]
    for workflow in ("mountDatastoreBackup", "unmountDatastoreBackup", "restoreVm", "restoreVmdk"):
        assert summary["workflows"][workflow]["status"] == "passed", workflow
    assert summary["preflight"]["snapshotPath"] == "snapshotlocators"
    assert summary["preflight"]["esxHostsSpelling"] == "translation"
    markdown = (run_dir / "summary.md").read_text()
    assert "The appliance serves snapshotlocators; snapshotlocations answered 404" in markdown
    assert "AvailableEsxHostsList" in markdown
    environment = (run_dir / "allure-results" / "environment.properties").read_text()
    assert "Preflight.snapshot_path=snapshotlocators" in environment
    used = " ".join(
        attachment.read_text()
        for attachment in (run_dir / "allure-results").glob("*-attachment*")
        if "getDatastoreSnapshotLocators instead of getDatastoreSnapshotLocations"
        in attachment.read_text(errors="replace")
    )
    assert "(the appliance serves snapshotlocators)" in used


def test_fuzzing_does_not_fail_the_alternative_the_appliance_does_not_serve(
    translated: Appliance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "lab.toml", translated)
    reports = tmp_path / "reports"
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--only",
            "fuzz",
            "--seed",
            "3",
            "--report-dir",
            str(reports),
        ]
    )
    output = capsys.readouterr()
    (run_dir,) = list(reports.iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert code == 0, output.out[-3000:]
    assert summary["operations"]["getDatastoreSnapshotLocators"]["status"] == "passed"
    assert summary["operations"]["getDatastoreSnapshotLocations"]["status"] == "skipped"
    left_out = [s for s in summary["skipped"] if "::getDatastoreSnapshotLocations::" in s["test"]]
    assert left_out and all(s["kind"] == "not_applicable" for s in left_out)
    assert "the appliance serves snapshotlocators" in left_out[0]["reason"]
    assert summary["operations"]["getDatastoreAvailableEsxHosts"]["status"] == "passed"
