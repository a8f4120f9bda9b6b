"""`scv-conformance check FILE.har`: offline judgement of recorded exchanges."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import main
from conformance.contract.spec import load_contract
from conformance.http.recording import log_files
from conformance.reporting.har import write_har
from conformance.reporting.har_check import HarJudge, answer_of, run_check
from tests.reporting.recording_helpers import BASE, envelope, exchange, write_log

pytestmark = pytest.mark.unit


def example(operation_id: str, status: str = "200") -> dict[str, Any]:
    definition = load_contract().operation(operation_id).definition
    return dict(definition["responses"][status]["content"]["application/json"]["example"])


def har_entry(
    method: str,
    path: str,
    status: int,
    body: Any,
    *,
    token: bool = True,
    content_type: str = "application/json",
    scv: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A HAR entry as a foreign tool would write it (no ``_scv`` unless given)."""
    text = body if isinstance(body, str) else json.dumps(body)
    entry: dict[str, Any] = {
        "startedDateTime": "2026-11-27T20:15:00.000Z",
        "time": 5,
        "request": {
            "method": method,
            "url": BASE + path,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Token", "value": "x"}] if token else [],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Content-Type", "value": content_type}],
            "cookies": [],
            "content": {"size": len(text), "mimeType": content_type, "text": text},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(text),
        },
        "cache": {},
        "timings": {"send": 0, "wait": 5, "receive": 0},
    }
    if scv is not None:
        entry["_scv"] = scv
    return entry


def check(tmp_path: Path, entries: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    har = tmp_path / "in.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    code = run_check(har, tmp_path / "out")
    return code, json.loads((tmp_path / "out" / "summary.json").read_text())


def failures(summary: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["operationId"], f["check"]) for f in summary["failures"]}


def deviations(summary: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["operationId"], f["check"]) for f in summary["deviations"]}


def test_conformant_answers_pass(tmp_path: Path) -> None:
    login = example("login")
    login["response"] = {"token": "[REDACTED]"}  # a redacted secret is not a schema violation
    code, summary = check(
        tmp_path,
        [
            har_entry("GET", "/4.1/policies", 200, example("getPolicies")),
            har_entry("POST", "/4.1/auth/login", 200, login, token=False),
            har_entry("GET", "/api/vcenter/vm", 200, [], token=False),
        ],
    )
    assert code == 0 and summary["status"] == "conformant" and not summary["failures"]
    assert summary["operations"]["getPolicies"]["checks"] == {
        "not_a_server_error": "passed",
        "status_code_conformance": "passed",
        "content_type_conformance": "passed",
        "response_schema_conformance": "passed",
        "scv_uri_null": "passed",
    }
    assert summary["unmatched"] == {"GET /api/api/vcenter/vm": 1}
    assert "Every judged check held" in (tmp_path / "out" / "summary.md").read_text()


def test_each_offline_rule_finds_its_failure(tmp_path: Path) -> None:
    with_uri = example("getPolicies") | {"uri": "/api/4.1/policies"}
    missing = example("getPolicies")
    missing["response"] = {"policies": [{"id": 1}]}
    trace = "java.lang.NullPointerException\n\tat com.netapp.scv.Policy.create(Policy.java:42)"
    code, summary = check(
        tmp_path,
        [
            har_entry("GET", "/4.1/policies", 200, with_uri),
            har_entry("PUT", "/4.1/policies/1", 418, envelope(None, status=418)),
            har_entry("POST", "/4.1/policies", 500, trace, content_type="text/plain"),
            har_entry("GET", "/4.1/schedules", 200, example("getSchedules"), token=False),
            har_entry("GET", "/4.1/resource-groups", 200, missing),
        ],
    )
    assert code == 1 and summary["status"] == "failures"
    assert failures(summary) == {
        ("getPolicies", "scv_uri_null"),
        ("getPolicies", "response_schema_conformance"),
        ("createPolicy", "not_a_server_error"),
        ("createPolicy", "scv_error_envelope"),
        ("getSchedules", "scv_auth_required"),
        ("getResourceGroups", "response_schema_conformance"),
    }
    # the error statuses and their bodies are assumed: these contradict only assumptions
    assert deviations(summary) == {
        ("updatePolicy", "status_code_conformance"),
        ("createPolicy", "content_type_conformance"),
    }
    listed = summary["failures"] + summary["deviations"]
    messages = {(f["operationId"], f["check"]): f["message"] for f in listed}
    assert "/api/4.1/policies" in messages[("getPolicies", "scv_uri_null")]
    assert "Received: 418" in messages[("updatePolicy", "status_code_conformance")]
    assert "leaks server internals" in messages[("createPolicy", "scv_error_envelope")]
    assert "answered 200" in messages[("getSchedules", "scv_auth_required")]


def test_the_harness_labels_decide_what_is_judged_as_live(tmp_path: Path) -> None:
    with_uri = example("getPolicies") | {"uri": "/api/4.1/policies"}
    _, summary = check(
        tmp_path,
        [
            # a probe is judged only on the token rule; its odd answers are no failures
            har_entry("PUT", "/4.1/policies/1", 418, "x", scv={"kind": "probe"}),
            har_entry(
                "GET",
                "/4.1/policies",
                401,
                envelope(None, status=401),
                token=False,
                scv={"kind": "probe"},
            ),
            # a negative case without a token refused with 400 is not the token rule's business
            har_entry(
                "GET",
                "/4.1/jobs/1",
                400,
                envelope(None, status=400),
                token=False,
                scv={"kind": "fuzzing-negative"},
            ),
            # the stateful walk is one subject, as in the live run
            har_entry("GET", "/4.1/policies", 200, with_uri, scv={"kind": "stateful-positive"}),
        ],
    )
    assert failures(summary) == {
        ("stateful", "scv_uri_null"),
        ("stateful", "response_schema_conformance"),
    }
    assert summary["operations"]["getPolicies"]["checks"] == {"scv_auth_required": "passed"}
    assert (
        "getJob" not in summary["operations"]
        or "scv_auth_required" not in (summary["operations"]["getJob"]["checks"])
    )


def test_a_recorded_har_round_trips(tmp_path: Path) -> None:
    write_log(
        tmp_path,
        "main-1.jsonl",
        [
            (
                exchange("GET", "/4.1/policies", 200, json.dumps(example("getPolicies"))),
                "examples-positive",
                "getPolicies",
            ),
            (
                exchange("GET", "/4.1/jobs", 200, envelope([], uri="/api/4.1/jobs")),
                "fuzzing-positive",
                "getJobs",
            ),
        ],
    )
    har = tmp_path / "rec.har"
    write_har(log_files(tmp_path), har)
    assert run_check(har) == 1
    assert main(["check", str(har), "--out", str(tmp_path / "o")]) == 1
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert ("getJobs", "scv_uri_null") in failures(summary)
    assert ("getPolicies", "scv_uri_null") not in failures(summary)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("not json", "is not a HAR file"),
        ('{"log": {}}', "has no log.entries list"),
        ('{"log": {"entries": [{"request": {}}]}}', "entry 0 is not a HAR entry"),
    ],
)
def test_a_bad_file_is_a_usage_error_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "bad.har"
    if content is not None:
        path.write_text(content)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_redacted_secret_is_no_schema_violation(tmp_path: Path) -> None:
    """A secret field replaced by the redaction no longer fits its schema (a token's format,
    say); it must not turn into a failure."""
    document = copy.deepcopy(load_contract().document)
    token = document["components"]["schemas"]["LoginResponse"]["properties"]["token"]
    token["pattern"] = "^[0-9a-f]{32}$"
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(document))
    judge = HarJudge(load_contract(spec))
    login = example("login")
    login["response"] = {"token": "[REDACTED]"}
    judge.judge(answer_of(0, har_entry("POST", "/4.1/auth/login", 200, login, token=False)))
    login["response"] = {"token": "not hex"}
    judge.judge(answer_of(1, har_entry("POST", "/4.1/auth/login", 200, login, token=False)))
    tally = judge.tallies[("login", "response_schema_conformance")]
    assert (tally.passed, tally.failed) == (1, 1)


def test_a_case_sent_with_another_method_on_purpose_is_not_judged(tmp_path: Path) -> None:
    """Fuzzing tries DELETE on backupnow to see a 405; by its path it looks like
    deleteResourceGroup, whose documented statuses have no 405."""
    refused = envelope(None, status=405)
    scv = {"kind": "coverage-negative", "operationId": "backupResourceGroupNow"}
    code, summary = check(
        tmp_path,
        [har_entry("DELETE", "/4.1/resource-groups/backupnow", 405, refused, scv=scv)],
    )
    assert code == 0 and summary["operations"] == {}
    _, foreign = check(
        tmp_path, [har_entry("DELETE", "/4.1/resource-groups/backupnow", 405, refused)]
    )
    assert ("deleteResourceGroup", "status_code_conformance") in deviations(foreign)


def test_deviations_are_graded_as_live_and_fail_only_under_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = example("getAuditConfig")
    audit["response"] = {**audit["response"], "auditLevel": "FULL"}  # closed by assumption
    har = tmp_path / "in.har"
    har.write_text(
        json.dumps({"log": {"entries": [har_entry("GET", "/4.1/audit/config", 200, audit)]}})
    )
    out = tmp_path / "out"
    assert main(["check", str(har), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["status"], summary["strict"], summary["failures"]) == ("conformant", False, [])
    assert deviations(summary) == {("getAuditConfig", "response_schema_conformance")}
    assert "auditLevel" in summary["deviations"][0]["message"]
    assert summary["operations"]["getAuditConfig"]["status"] == "deviated"
    assert "## Deviations from our assumptions" in (out / "summary.md").read_text()
    assert "[deviation]" in capsys.readouterr().out

    assert main(["check", str(har), "--out", str(out), "--strict"]) == 1
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["status"], summary["strict"], summary["failures"]) == ("failures", True, [])
    assert deviations(summary) == {("getAuditConfig", "response_schema_conformance")}


def test_an_overlay_adapts_what_check_judges(tmp_path: Path) -> None:
    with_uri = example("getPolicies") | {"uri": "/api/4.1/policies"}
    har = tmp_path / "in.har"
    har.write_text(
        json.dumps({"log": {"entries": [har_entry("GET", "/4.1/policies", 200, with_uri)]}})
    )
    overlay = tmp_path / "uri.yaml"
    target = "$['components']['schemas']['Envelope']['properties']['uri']"
    overlay.write_text(
        yaml.safe_dump(
            {
                "overlay": "1.0.0",
                "info": {"title": "a string uri", "version": "1"},
                "actions": [{"target": target, "update": {"type": ["null", "string"]}}],
            }
        )
    )
    out = tmp_path / "out"
    assert main(["check", str(har), "--out", str(out)]) == 1, "uri null is documented"
    assert ("getPolicies", "scv_uri_null") in failures(
        json.loads((out / "summary.json").read_text())
    )
    assert main(["check", str(har), "--out", str(out), "--overlay", str(overlay)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failures"] == [] and summary["deviations"] == []
