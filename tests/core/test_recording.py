"""The exchange log: records, labels, body caps, shapes and operation matching."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from conformance.contract.matching import OperationMatcher
from conformance.contract.spec import load_contract
from conformance.http import recording
from conformance.http.recording import Body, ExchangeLog, ExchangeRecord, shape_of
from conformance.http.session import Exchange, ScvSession, Target

pytestmark = pytest.mark.unit

TOKEN = "0123456789abcdef0123456789abcdef"
PASSWORD = 'p@ss w/rd"&+%'


def exchange(url: str = "https://scv:8144/api/4.1/policies", body: str = "{}") -> Exchange:
    return Exchange(
        method="GET",
        url=url,
        request_headers={"Token": "[REDACTED]"},
        request_body="",
        status_code=200,
        response_headers={"content-type": "application/json"},
        response_body=body,
        elapsed_ms=12.5,
    )


def test_shape_lists_paths_and_types_never_values() -> None:
    value = {
        "statusCode": 200,
        "response": {"list": [{"id": 1, "name": "a"}, {"id": 2, "name": None, "size": 1.5}]},
        "uri": None,
        "ok": True,
    }
    assert shape_of(value) == {
        "statusCode": "integer",
        "response": "object",
        "response.list": "array",
        "response.list[]": "object",
        "response.list[].id": "integer",
        "response.list[].name": "string|null",
        "response.list[].size": "number",
        "uri": "null",
        "ok": "boolean",
    }
    assert shape_of([1, "a"]) == {"$": "array", "$[]": "string|integer"}


def test_a_body_over_the_cap_is_cut_and_marked() -> None:
    body = Body.capped("é" * 10, cap=7)
    assert body.truncated and body.size == 20 and body.text == "é" * 3
    assert Body.capped("short", cap=7) == Body("short", 5, False)


def test_a_cut_json_body_keeps_the_shape_of_the_whole_answer() -> None:
    big = json.dumps({"items": [{"id": i} for i in range(20000)]})
    record = recording.make_record(exchange(body=big), kind="scenario", operation_id=None)
    assert record.response_body.truncated
    assert len(record.response_body.text.encode()) <= recording.BODY_CAP
    assert record.shape == {"items": "array", "items[]": "object", "items[].id": "integer"}


def test_the_log_appends_json_lines_with_labels_and_matched_operations(tmp_path: Path) -> None:
    path = tmp_path / "exchanges" / "main-1.jsonl"
    log = ExchangeLog(path, OperationMatcher(load_contract()))
    assert not path.exists()  # opened on the first record only
    log.exchange(exchange())
    with recording.labels("probe", "getPolicy", None):
        log.exchange(exchange("https://scv:8144/api/4.1/policies/3"))
        log.exchange(exchange("https://scv:8144/api/4.1/policies+"))  # no template: the label
    with recording.labels("scenario", workflow_id="backupOnDemand"):
        log.exchange(exchange("https://scv:8144/api/4.1/resource-groups/backupnow"))
    log.close()
    records = list(recording.read_records([path]))
    assert [(r.kind, r.operation_id, r.workflow_id) for r in records] == [
        ("session", "getPolicies", None),
        ("probe", "getPolicy", None),
        ("probe", "getPolicy", None),
        ("scenario", None, "backupOnDemand"),  # a GET of backupnow is no operation
    ]
    assert all(isinstance(r, ExchangeRecord) for r in records)
    assert len(path.read_text().splitlines()) == 4


def test_a_torn_last_line_is_passed_over(tmp_path: Path) -> None:
    path = tmp_path / "gw0-2.jsonl"
    log = ExchangeLog(path)
    log.exchange(exchange())
    log.close()
    with open(path, "a") as handle:
        handle.write('{"started": 1')
    assert len(list(recording.read_records([path]))) == 1


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    log = ExchangeLog(tmp_path / "x.jsonl")
    body = json.dumps({"text": "x" * 5000})

    def write() -> None:
        for _ in range(50):
            log.exchange(exchange(body=body))

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    assert len(list(recording.read_records([log.path]))) == 200


def test_every_session_call_reaches_the_installed_log_redacted(tmp_path: Path) -> None:
    def appliance(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/login"):
            return httpx.Response(200, json={"statusCode": 200, "response": {"token": TOKEN}})
        echoed = {"statusCode": 200, "response": {"seen": request.headers.get("Token")}}
        return httpx.Response(200, json=echoed)

    log = ExchangeLog(tmp_path / "main-1.jsonl", OperationMatcher(load_contract()))
    recording.install(log)
    try:
        target = Target("https://scv:8144/api", "admin", PASSWORD)
        with ScvSession(target, transport=httpx.MockTransport(appliance)) as session:
            session.request("GET", "/4.1/policies")
    finally:
        recording.uninstall(log)
    assert not recording.active()
    text = log.path.read_text()
    kinds = [(r.operation_id, r.status) for r in recording.read_records([log.path])]
    assert kinds == [("login", 200), ("getPolicies", 200)]
    assert TOKEN not in text and "p@ss" not in text


def test_matching_prefers_literal_paths_and_needs_the_server_path() -> None:
    match = OperationMatcher(load_contract())
    assert match("POST", "https://h:8144/api/4.1/resource-groups/backupnow") == (
        "backupResourceGroupNow"
    )
    assert match("PUT", "https://h:8144/api/4.1/resource-groups/7") == "updateResourceGroup"
    assert match("get", "https://h/scv/api/4.1/jobs/12?x=1") == "getJob"
    assert match("GET", "https://h:8144/4.1/jobs/12") is None  # no /api
    assert match("GET", "https://vc/api/vcenter/vm") is None
