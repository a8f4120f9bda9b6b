"""The SCV checks on single answers, without a server."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from schemathesis import Response

from conformance.fuzz.checks import scv_error_envelope, scv_uri_null

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
