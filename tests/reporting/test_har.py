"""HAR 1.2 from exchange logs: standard fields, order, truncation, secrets, other readers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from conformance.core.paths import PROJECT_ROOT
from conformance.http.recording import BODY_CAP, log_files
from conformance.reporting.har import write_har
from tests.reporting.recording_helpers import BASE, envelope, exchange, write_log

pytestmark = pytest.mark.integration

TOKEN = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
PASSWORD = 'S3cr3t p@ss/"wörd"&+%'
REDOCLY = PROJECT_ROOT / "node_modules" / ".bin" / "redocly"


def secret_forms(secret: str) -> list[str]:
    return [secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]]


def sample_run(run_dir: Path) -> None:
    write_log(
        run_dir,
        "gw1-2.jsonl",
        [
            (
                exchange("GET", "/4.1/policies", 200, envelope([])),
                "examples-positive",
                "getPolicies",
            ),
            (
                exchange("GET", "/4.1/jobs?jobType=Backup&x=", 200, envelope([])),
                "fuzzing-negative",
                "getJobs",
            ),
        ],
    )
    write_log(
        run_dir,
        "gw0-1.jsonl",
        [
            (
                exchange(
                    "POST",
                    "/4.1/auth/login",
                    200,
                    envelope({"token": "[REDACTED]"}),
                    token=False,
                    request_body='{"username": "admin", "password": "[REDACTED]"}',
                ),
                "session",
                "login",
            ),
            (
                exchange("GET", "/4.1/policies+", 400, envelope(None, status=400)),
                "probe",
                "getPolicies",
            ),
        ],
        start=1_800_000_000.5,
    )


def test_every_entry_has_the_fields_har_1_2_requires(tmp_path: Path) -> None:
    sample_run(tmp_path)
    out = tmp_path / "x.har"
    assert write_har(log_files(tmp_path), out) == 4
    log = json.loads(out.read_text())["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "scv-conformance"
    entries = log["entries"]
    # merged from both logs, oldest first
    assert [e["startedDateTime"] for e in entries] == sorted(e["startedDateTime"] for e in entries)
    assert [e["request"]["url"].removeprefix(BASE) for e in entries] == [
        "/4.1/policies",
        "/4.1/auth/login",
        "/4.1/jobs?jobType=Backup&x=",
        "/4.1/policies+",
    ]
    for entry in entries:
        assert set(entry) >= {"startedDateTime", "time", "request", "response", "cache", "timings"}
        request, response = entry["request"], entry["response"]
        assert set(request) >= {
            "method",
            "url",
            "httpVersion",
            "headers",
            "queryString",
            "cookies",
            "headersSize",
            "bodySize",
        }
        assert set(response) >= {
            "status",
            "statusText",
            "httpVersion",
            "headers",
            "cookies",
            "content",
            "redirectURL",
            "headersSize",
            "bodySize",
        }
        assert set(response["content"]) >= {"size", "mimeType", "text"}
        assert all(set(h) == {"name", "value"} for h in request["headers"] + response["headers"])
        timings = entry["timings"]
        assert entry["time"] == timings["send"] + timings["wait"] + timings["receive"]
        assert entry["startedDateTime"].endswith("+00:00")
    login = entries[1]
    assert login["request"]["postData"]["mimeType"] == "application/json"
    assert login["response"]["statusText"] == "OK"
    assert login["_scv"] == {
        "kind": "session",
        "mode": None,
        "operationId": "login",
        "workflowId": None,
    }
    assert entries[2]["request"]["queryString"] == [
        {"name": "jobType", "value": "Backup"},
        {"name": "x", "value": ""},
    ]
    assert entries[2]["_scv"]["mode"] == "negative"
    assert "postData" not in entries[0]["request"] and "comment" not in entries[0]


def test_a_body_over_the_cap_is_cut_and_the_entry_says_so(tmp_path: Path) -> None:
    big = envelope([{"id": i, "name": "x" * 40} for i in range(3000)])
    write_log(
        tmp_path, "main-1.jsonl", [(exchange("GET", "/4.1/policies", 200, big), "scenario", None)]
    )
    out = tmp_path / "x.har"
    write_har(log_files(tmp_path), out)
    (entry,) = json.loads(out.read_text())["log"]["entries"]
    content = entry["response"]["content"]
    assert len(content["text"].encode()) <= BODY_CAP < content["size"]
    assert content["size"] == entry["response"]["bodySize"] == len(big)
    assert "response body truncated to 64 KiB" in entry["comment"]


def test_token_and_password_never_reach_the_har_in_any_encoding(tmp_path: Path) -> None:
    """Even a secret the child could not recognise (echoed in a URL, a header, a body) is
    replaced by the parent, raw, URL-encoded and JSON-escaped."""
    leaks = [
        exchange(
            "GET",
            f"/4.1/jobs?note={quote(PASSWORD, safe='')}&t={TOKEN}",
            400,
            json.dumps({"message": f"bad password {PASSWORD} for token {TOKEN}"}),
        ),
        exchange("GET", "/4.1/policies", 200, envelope({"echo": quote_plus(PASSWORD)})),
    ]
    leaked_header = exchange("GET", "/4.1/policies", 200, envelope([]))
    leaked_header.request_headers["X-Debug"] = f"{TOKEN}:{PASSWORD}"
    write_log(
        tmp_path,
        "main-1.jsonl",
        [
            (leaks[0], "probe", None),
            (leaks[1], "scenario", None),
            (leaked_header, "scenario", None),
        ],
    )
    out = tmp_path / "x.har"
    write_har(log_files(tmp_path), out, [PASSWORD, TOKEN])
    text = out.read_text()
    for form in [*secret_forms(PASSWORD), *secret_forms(TOKEN)]:
        assert form not in text
    assert text.count("[REDACTED]") >= 6
    json.loads(text)  # still one valid document


def test_redocly_drift_reads_the_har(tmp_path: Path) -> None:
    assert REDOCLY.exists(), "Redocly CLI is missing: run npm ci in the repository"
    sample_run(tmp_path)
    out = tmp_path / "x.har"
    write_har(log_files(tmp_path), out)
    completed = subprocess.run(
        [
            str(REDOCLY),
            "drift",
            str(out),
            "--api",
            "specs/scv.openapi.yaml",
            "--server",
            BASE,
            "--format",
            "json",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    run = json.loads(completed.stdout)["run"]
    assert run["totalExchanges"] == 4 and run["skippedExchanges"] == 0
    assert run["documentedExchanges"] == 3  # all but the probe of /4.1/policies+
