"""The fuzzing plugin end to end: a child pytest against an emulator on loopback."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import httpx
import pytest
from fuzz_child import manifest_of, run_fuzz, skips_file

from conformance.emulator import EmbeddedEmulator, EmulatorConfig

pytestmark = pytest.mark.integration

NODE = "specs/scv.openapi.yaml"


def node(operation: str, check: str) -> str:
    return f"specs.scv.openapi.yaml.{operation}::{check}"


def test_conformant_emulator_passes_smoke(emulator: EmbeddedEmulator, tmp_path: Path) -> None:
    # the time budget is proven by the slow-responses fault; here a busy machine must not
    # turn a slow answer into a failure
    manifest = manifest_of(emulator, tmp_path, response_time_budget_ms=5000)
    outcome = run_fuzz(emulator, manifest)
    assert outcome.returncode == 0, outcome.output[-3000:]
    assert outcome.failed() == []
    assert len(outcome.results) > 44 * 15
    props = outcome.properties[node("getPolicies", "response_schema_conformance")]
    assert props["suite"] == "fuzz"
    assert props["operationId"] == "getPolicies"
    assert props["check"] == "response_schema_conformance"


@pytest.mark.parametrize(
    ("fault", "operation", "check", "profile"),
    [
        ("missing-required-field", "getPolicies", "response_schema_conformance", "smoke"),
        ("wrong-status-code", "updateResourceGroup", "status_code_conformance", "full"),
        ("auth-skipped", "getSchedules", "scv_auth_required", "smoke"),
        ("uri-not-null", "getPolicies", "scv_uri_null", "smoke"),
        ("stack-trace", "createPolicy", "scv_error_envelope", "full"),
        ("server-error", "createPolicy", "not_a_server_error", "full"),
        ("forbidden-chars-accepted", "getVmBackups", "scv_forbidden_characters", "smoke"),
        ("slow-responses", "getResourceGroups", "scv_response_time", "smoke"),
        ("invalid-input-accepted", "createPolicy", "negative_data_rejection", "full"),
    ],
)
def test_fault_fails_the_named_item(
    fault: str, operation: str, check: str, profile: str, tmp_path: Path
) -> None:
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False, fault=fault)) as emu:
        outcome = run_fuzz(
            emu,
            manifest_of(emu, tmp_path, max_examples=5, profile=profile),
            "-k",
            f"{operation} and {check}",
        )
    name = node(operation, check)
    assert outcome.results.get(name) == "failed", outcome.output[-3000:]
    message = outcome.messages[name]
    # a 422 for the assumed 404 contradicts an assumption only: a deviation, failing the run
    # against the embedded emulator (strict by default)
    verdict = "deviated from our assumptions" if fault == "wrong-status-code" else "failed"
    assert f"{operation}: {check} {verdict}" in message
    props = outcome.properties[name]
    assert props["operationId"] == operation and props["check"] == check
    assert "curl" in props["reproduce"]


def test_stateful_fault_fails_the_stateful_item(tmp_path: Path) -> None:
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False, fault="job-id-unknown")) as emu:
        outcome = run_fuzz(
            emu,
            manifest_of(emu, tmp_path, max_examples=5, profile="full"),
            "-k",
            "stateful and scv_linked",
        )
    name = "specs.scv.openapi.yaml.stateful::scv_linked_resource_exists"
    assert outcome.results.get(name) == "failed", outcome.output[-3000:]
    assert "getJob" in outcome.messages[name] or "/4.1/jobs/" in outcome.messages[name]


def test_curl_reproduction_redacts_the_token(tmp_path: Path) -> None:
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False, fault="uri-not-null")) as emu:
        outcome = run_fuzz(
            emu,
            manifest_of(emu, tmp_path),
            "-k",
            "getPolicies and scv_uri_null",
        )
        reproduce = outcome.properties[node("getPolicies", "scv_uri_null")]["reproduce"]
        assert reproduce.startswith("curl ") and "/api/4.1/policies" in reproduce
        # the failing case may be one sent without a token; a token is only ever a placeholder
        assert "Token" not in reproduce or '"Token: $SCV_TOKEN"' in reproduce
        assert emu.password not in outcome.output
        results = "".join(
            p.read_text(errors="replace") for p in (tmp_path / "allure-results").iterdir()
        )
        assert emu.password not in results
        real_tokens = re.compile(r"[Tt]oken\W{1,4}[0-9a-f]{32}")
        assert not real_tokens.search(results + outcome.output + reproduce)


def test_an_ignored_auth_failure_reproduces_without_the_valid_token(tmp_path: Path) -> None:
    """The case as recorded carried a valid token; the probe the appliance let through did
    not, and the reproduce command sends what the probe sent."""
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False, fault="auth-skipped")) as emu:
        outcome = run_fuzz(
            emu, manifest_of(emu, tmp_path, max_examples=3), "-k", "getSchedules and ignored_auth"
        )
        name = node("getSchedules", "ignored_auth")
        assert outcome.results.get(name) == "failed", outcome.output[-3000:]
        reproduce = outcome.properties[name]["reproduce"]
        assert "$SCV_TOKEN" not in reproduce
        words = shlex.split(reproduce)
        headers = dict(words[i + 1].split(": ", 1) for i, word in enumerate(words) if word == "-H")
        method = words[words.index("-X") + 1]
        answer = httpx.request(method, words[-1], headers=headers, timeout=30)
    assert answer.status_code == 200  # the command reproduces: no valid token, and still 200


def test_newer_operations_are_skipped_on_an_older_release(
    emulator: EmbeddedEmulator, tmp_path: Path
) -> None:
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False, appliance_version="4.5")) as emu:
        outcome = run_fuzz(
            emu,
            manifest_of(emu, tmp_path, version="4.5"),
            "-k",
            "getAuditLogs or getSvmAll",
        )
    skipped = outcome.skipped()
    assert node("getAuditLogs", "not_a_server_error") in skipped
    assert (
        "ships with SCV 4.8; the target runs 4.5"
        in outcome.messages[node("getAuditLogs", "not_a_server_error")]
    )
    assert outcome.results[node("getSvmAll", "not_a_server_error")] == "passed"
    left_out = skips_file(outcome)["left_out"]
    assert {
        "operationId": "getAuditLogs",
        "kind": "version",
        "reason": "getAuditLogs ships with SCV 4.8; the target runs 4.5",
    } in left_out


def test_mutating_operations_are_left_out_of_a_real_target(
    emulator: EmbeddedEmulator, tmp_path: Path
) -> None:
    manifest = manifest_of(emulator, tmp_path, embedded=False)
    outcome = run_fuzz(emulator, manifest, "-k", "createPolicy or getPolicies")
    assert outcome.returncode == 0, outcome.output[-3000:]
    message = outcome.messages[node("createPolicy", "not_a_server_error")]
    assert outcome.results[node("createPolicy", "not_a_server_error")] == "skipped"
    assert "changes appliance state" in message and "--allow-destructive" in message
    assert outcome.results[node("getPolicies", "not_a_server_error")] == "passed"
    kinds = {e["operationId"]: e["kind"] for e in skips_file(outcome)["left_out"]}
    assert kinds["createPolicy"] == "safety" and kinds["deletePolicy"] == "safety"
    assert kinds["renameStorageSystem"] == "safety"
    assert "getPolicies" not in kinds
    assert "operations left out" in outcome.output


@pytest.mark.parametrize("strict", [False, True])
def test_an_assumed_status_answered_otherwise_is_a_deviation(strict: bool, tmp_path: Path) -> None:
    # 404 for an unknown id is assumed; the fault answers 422, which the contract without
    # assumptions accepts as some 4xx
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False, fault="wrong-status-code")) as emu:
        outcome = run_fuzz(
            emu,
            manifest_of(emu, tmp_path, max_examples=5, profile="full", strict=strict),
            "-k",
            "updateResourceGroup and status_code_conformance",
        )
    name = node("updateResourceGroup", "status_code_conformance")
    props = outcome.properties[name]
    assert props["verdict"] == "deviation", outcome.output[-3000:]
    assert "deviated from our assumptions" in props["deviation"]
    assert "Received: 422" in props["deviation"]
    assert "curl" in props["reproduce"]
    if strict:
        assert outcome.results[name] == "failed"
        assert outcome.messages[name].lstrip().startswith("[deviation]")
        assert outcome.returncode == 1
    else:
        assert outcome.results[name] == "passed"
        assert outcome.returncode == 0


def test_a_group_list_without_ids_is_a_failure_never_an_error(tmp_path: Path) -> None:
    # the links the stateful phase and the job probe follow start at the group's id: an
    # appliance that drops it answered wrongly, and the run must say so, not break
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False, fault="group-id-missing")) as emu:
        outcome = run_fuzz(
            emu,
            manifest_of(emu, tmp_path, max_examples=5, profile="full"),
            "-k",
            "stateful or (getResourceGroups and response_schema)",
        )
    assert outcome.results[node("getResourceGroups", "response_schema_conformance")] == "failed"
    linked = "specs.scv.openapi.yaml.stateful::scv_linked_resource_exists"
    assert outcome.results[linked] == "failed", outcome.output[-3000:]
    assert "listed a resource group without an `id`" in outcome.messages[linked]
    assert "KeyError" not in outcome.output
    statuses = {
        json.loads(p.read_text())["status"]
        for p in (tmp_path / "allure-results").glob("*-result.json")
    }
    assert "broken" not in statuses and "failed" in statuses
