"""The SCV checks on single answers, without a server."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import requests
from schemathesis import Response

from conformance.contract.evidence import without_assumptions
from conformance.contract.grading import Answered, Grader, Sent
from conformance.contract.overlay import apply_action
from conformance.contract.scv_rules import ERROR_ENVELOPE, URI_NULL, EnvelopeRules
from conformance.contract.spec import load_contract
from conformance.fuzz.checks import Envelope, scv_error_envelope, scv_uri_null

pytestmark = pytest.mark.unit


def answer(status: int, body: Any) -> Response:
    request = requests.Request("GET", "https://scv.test/api/4.1/jobs").prepare()
    headers = {"content-type": ["application/json"]}
    return Response(status, headers, json.dumps(body).encode(), request, 0.01, True)


RENAMED = {
    "statusMessage": "OK",
    "statusCode": 200,
    "responseMessage": ["Storage system renamed successfully."],
}
ERROR = {"statusCode": 404, "statusMessage": "NOT_FOUND", "responseMessage": "Job 9 not found"}


@pytest.mark.parametrize(
    "body",
    [RENAMED, {**RENAMED, "uri": None}, {**RENAMED, "response": None, "uri": None}],
    ids=["no uri (documented rename answer)", "uri null", "full envelope"],
)
def test_uri_null_accepts_an_absent_or_null_uri(body: dict[str, Any]) -> None:
    assert scv_uri_null(None, answer(200, body), None) is None  # type: ignore[arg-type]


def test_uri_null_refuses_a_uri_with_a_value() -> None:
    with pytest.raises(AssertionError, match="must always be null"):
        scv_uri_null(None, answer(200, {**RENAMED, "uri": "/api/4.1/jobs"}), None)  # type: ignore[arg-type]


def test_uri_null_refuses_a_json_answer_that_is_no_envelope() -> None:
    with pytest.raises(AssertionError, match="not the SCV envelope"):
        scv_uri_null(None, answer(200, ["a", "list"]), None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "body", [ERROR, {**ERROR, "responseMessage": ["Job 9 not found"]}, {**ERROR, "uri": None}]
)
def test_error_envelope_needs_no_response_or_uri_key(body: dict[str, Any]) -> None:
    assert scv_error_envelope(None, answer(404, body), None) is None  # type: ignore[arg-type]


def test_error_envelope_still_needs_its_message_and_status() -> None:
    without = {k: v for k, v in ERROR.items() if k != "responseMessage"}
    with pytest.raises(AssertionError, match="lacks responseMessage"):
        scv_error_envelope(None, answer(404, without), None)  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="statusCode 404"):
        scv_error_envelope(None, answer(400, ERROR), None)  # type: ignore[arg-type]


# -- the envelope rules read from the contract -------------------------------------------


def _overlaid(*actions: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(load_contract().document)
    for action in actions:
        apply_action(document, action, "test action")
    return document


URI_STRING = {
    "target": "$['components']['schemas']['Envelope']['properties']['uri']",
    "update": {"type": ["null", "string"]},
}
NO_RESPONSE_MESSAGE = {
    "target": "$['components']['schemas']['Envelope']",
    "update": {"required": ["statusCode", "statusMessage"]},
}


def test_an_overlay_that_allows_a_string_uri_relaxes_the_uri_rule() -> None:
    body = {**RENAMED, "uri": "/api/4.1/jobs"}
    assert EnvelopeRules.of(load_contract().document).uri_problem(body) is not None
    rules = EnvelopeRules.of(_overlaid(URI_STRING))
    assert rules.uri_problem(body) is None
    assert rules.uri_problem({**RENAMED, "uri": 7}) is not None, "the overlay's type still holds"
    Envelope.configure(_overlaid(URI_STRING))
    try:
        assert scv_uri_null(None, answer(200, body), None) is None  # type: ignore[arg-type]
    finally:
        Envelope.rules = None
    with pytest.raises(AssertionError, match="must always be null \\(documented\\)"):
        scv_uri_null(None, answer(200, body), None)  # type: ignore[arg-type]


def test_the_error_envelope_requires_what_the_contract_requires() -> None:
    without = {k: v for k, v in ERROR.items() if k != "responseMessage"}
    rules = EnvelopeRules.of(_overlaid(NO_RESPONSE_MESSAGE))
    kind = "application/json"
    assert rules.error_envelope_problem(404, json.dumps(without), kind, without) is None
    assert "statusCode 404" in str(rules.error_envelope_problem(400, "{}", kind, ERROR))
    relaxed = EnvelopeRules.of(without_assumptions(load_contract().document))
    assert relaxed.required == (), "the envelope's keys are required by assumption only"
    assert relaxed.uri_problem({**RENAMED, "uri": "/x"}) is not None, "uri null is documented"


def test_a_missing_assumed_key_or_a_string_uri_are_graded_by_their_evidence() -> None:
    grader = Grader(load_contract())
    sent = Sent("/4.1/jobs/{id}", "get")
    without = {k: v for k, v in ERROR.items() if k != "responseMessage"}
    lacking = Answered(404, "application/json", json.dumps(without))
    assert grader.is_deviation(ERROR_ENVELOPE, sent, lacking)
    leaking = Answered(404, "application/json", json.dumps({**ERROR, "x": "java.lang.Foo"}))
    assert not grader.is_deviation(ERROR_ENVELOPE, sent, leaking)
    uri = Answered(200, "application/json", json.dumps({**RENAMED, "uri": "/api/4.1/jobs"}))
    assert not grader.is_deviation(URI_NULL, Sent("/4.1/jobs", "get"), uri)


@pytest.mark.parametrize(
    ("scenario", "token"), [("no_auth", None), ("invalid_auth", "bad"), ("generated_auth", "bad")]
)
def test_an_ignored_auth_reproduce_command_sends_what_the_probe_sent(
    scenario: str, token: str | None
) -> None:
    from conformance.fuzz.exchanges import as_probed
    from conformance.http.session import Exchange

    recorded = Exchange(
        method="GET",
        url="https://scv:8144/api/4.1/schedules",
        request_headers={"Accept": "application/json", "Token": "[REDACTED]"},
        request_body="",
        status_code=200,
        response_headers={},
        response_body="",
        elapsed_ms=1.0,
    )
    assert '"Token: $SCV_TOKEN"' in recorded.as_curl()  # the valid token: no reproduction
    probed = as_probed(recorded, scenario, "bad")
    assert "$SCV_TOKEN" not in probed.as_curl()
    assert probed.request_headers.get("Token") == token
    assert probed.request_headers["Accept"] == "application/json"
