"""HAR 1.2 from exchange logs: standard fields, order, truncation, secrets, other readers."""

from __future__ import annotations

import base64
import gzip
import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest

from conformance.core.paths import PROJECT_ROOT
from conformance.http.recording import BODY_CAP, EXCHANGES_DIR, ExchangeLog, log_files, make_record
from conformance.http.session import Exchange
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


def drift(har: Path) -> dict[str, Any]:
    """What ``redocly drift`` makes of ``har`` against the contract (its JSON report)."""
    command = [str(REDOCLY), "drift", str(har), "--api", "specs/scv.openapi.yaml"]
    completed = subprocess.run(
        [*command, "--server", BASE, "--format", "json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def test_redocly_drift_reads_the_har(tmp_path: Path) -> None:
    assert REDOCLY.exists(), "Redocly CLI is missing: run npm ci in the repository"
    sample_run(tmp_path)
    out = tmp_path / "x.har"
    write_har(log_files(tmp_path), out)
    run = drift(out)["run"]
    assert run["totalExchanges"] == 4 and run["skippedExchanges"] == 0
    assert run["documentedExchanges"] == 3  # all but the probe of /4.1/policies+


def _recorded(
    tmp_path: Path, responses: list[httpx.Response], secrets: tuple[str, ...] = ()
) -> Path:
    """The HAR of ``responses`` as a client records them: redacted exchanges, the log, HAR."""
    log = ExchangeLog(tmp_path / EXCHANGES_DIR / "main-1.jsonl")
    for response in responses:
        exchange = Exchange.from_response(response, 5.0, secrets)
        log.write(make_record(exchange, kind="scenario", operation_id=None, started=1.8e9))
    log.close()
    out = tmp_path / "x.har"
    write_har(log_files(tmp_path), out, secrets)
    return out


def _response(method: str, path: str, status: int, **kwargs: Any) -> httpx.Response:
    request_body = kwargs.pop("request_json", None)
    request = httpx.Request(method, BASE + path, json=request_body, headers={"Token": TOKEN})
    return httpx.Response(status, request=request, **kwargs)


def test_an_empty_answer_is_recorded_as_empty_text(tmp_path: Path) -> None:
    out = _recorded(tmp_path, [_response("DELETE", "/4.1/resource-groups/7", 204)])
    (entry,) = json.loads(out.read_text())["log"]["entries"]
    assert entry["response"]["status"] == 204
    assert entry["response"]["content"]["text"] == ""
    assert entry["response"]["content"]["size"] == 0
    assert "encoding" not in entry["response"]["content"]


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_a_binary_answer_is_kept_as_base64_with_the_secrets_in_a_zip_replaced(
    tmp_path: Path,
) -> None:
    """A zip of job logs is kept whole, as base64, each member redacted (a log may quote a
    token); other binary answers are kept as they came, redacted where they hold text."""
    log_text = f"job 7 started\nlogin with token {TOKEN}\npassword={PASSWORD}\njob 7 done\n"
    logs = _zip({"job-7.log": log_text, "empty/": ""})
    image = bytes(range(256)) * 4
    out = _recorded(
        tmp_path,
        [
            _response(
                "GET",
                "/4.1/jobs/7/logs",
                200,
                content=logs,
                headers={"content-type": "application/zip"},
            ),
            _response(
                "GET",
                "/4.1/jobs/8/logs",
                200,
                content=image,
                headers={"content-type": "application/octet-stream"},
            ),
        ],
        (TOKEN, PASSWORD),
    )
    text = out.read_text()
    first, second = (e["response"]["content"] for e in json.loads(text)["log"]["entries"])
    assert first["encoding"] == "base64" and first["mimeType"] == "application/zip"
    kept = base64.b64decode(first["text"])
    assert first["size"] == len(kept)
    with zipfile.ZipFile(io.BytesIO(kept)) as archive:
        assert archive.namelist() == ["job-7.log", "empty/"]
        member = archive.read("job-7.log").decode()
    assert member.startswith("job 7 started\n") and member.endswith("job 7 done\n")
    assert TOKEN not in member and PASSWORD not in member and member.count("[REDACTED]") == 2
    assert second["encoding"] == "base64" and base64.b64decode(second["text"]) == image
    assert second["size"] == len(image)


def test_a_compressed_answer_that_cannot_be_read_is_not_kept(tmp_path: Path) -> None:
    hidden = gzip.compress(f"token {TOKEN}".encode())
    out = _recorded(
        tmp_path,
        [
            _response(
                "GET",
                "/4.1/jobs/7/logs",
                200,
                content=hidden,
                headers={"content-type": "application/gzip"},
            )
        ],
        (TOKEN,),
    )
    (entry,) = json.loads(out.read_text())["log"]["entries"]
    content = entry["response"]["content"]
    assert "encoding" not in content and "not kept" in content["text"]


SYSLOG_CA = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBJDCByqADAgECAgID6DAKBggqhkjOPQQDAjAbMRkwFwYDVQQDDBBzeXNsb2cu\n"
    "taPlmz9Z9ic=\n"
    "-----END CERTIFICATE-----\n"
)


def test_the_public_syslog_certificate_is_kept_and_a_private_key_is_not(tmp_path: Path) -> None:
    private_key = (
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n"
    )
    out = _recorded(
        tmp_path,
        [
            _response(
                "PUT",
                "/4.1/audit/syslogcert",
                200,
                request_json={"certificate": SYSLOG_CA},
                json={"statusCode": 200, "response": {"subject": "CN=syslog.lab.local"}},
            ),
            _response(
                "PUT",
                "/4.1/audit/syslogcert",
                400,
                request_json={"certificate": SYSLOG_CA + private_key},
            ),
        ],
    )
    first, second = json.loads(out.read_text())["log"]["entries"]
    assert json.loads(first["request"]["postData"]["text"]) == {"certificate": SYSLOG_CA}
    sent = json.loads(second["request"]["postData"]["text"])["certificate"]
    assert sent.startswith(SYSLOG_CA) and "MIGHAgEAMBMG" not in sent and "[REDACTED]" in sent


def test_redocly_drift_finds_no_schema_error_in_a_recorded_syslog_certificate(
    tmp_path: Path,
) -> None:
    assert REDOCLY.exists(), "Redocly CLI is missing: run npm ci in the repository"
    out = _recorded(
        tmp_path,
        [
            _response(
                "PUT",
                "/4.1/audit/syslogcert",
                200,
                request_json={"certificate": SYSLOG_CA},
                json={
                    "statusCode": 200,
                    "statusMessage": "OK",
                    "responseMessage": "Syslog certificate updated",
                    "response": {"subject": "CN=syslog.lab.local", "sha256Fingerprint": "0" * 64},
                    "uri": None,
                },
            )
        ],
    )
    report = drift(out)
    assert report["run"]["documentedExchanges"] == 1, report
    schema = [p["message"] for p in report["problems"] if p["category"] == "schema"]
    assert schema == []
