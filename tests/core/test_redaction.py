"""Secrets never leave in a rendering of a request or response."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest

from conformance.http.redaction import (
    REDACTED,
    redact_body,
    redact_headers,
    redact_json,
    redact_text,
    replace_secrets,
)

pytestmark = pytest.mark.unit


def test_secret_headers_are_replaced_whatever_their_case() -> None:
    headers = redact_headers(
        {
            "Token": "abc",
            "Authorization": "Basic eA==",
            "vmware-api-session-id": "s",
            "Accept": "application/json",
        }
    )
    assert headers == {
        "Token": REDACTED,
        "Authorization": REDACTED,
        "vmware-api-session-id": REDACTED,
        "Accept": "application/json",
    }


def test_secret_fields_are_replaced_at_any_depth() -> None:
    value = {"username": "u", "password": "p", "nested": [{"token": "t", "name": "n"}]}
    assert redact_json(value) == {
        "username": "u",
        "password": REDACTED,
        "nested": [{"token": REDACTED, "name": "n"}],
    }


def test_bodies_are_redacted_json_or_text() -> None:
    body = json.dumps({"password": "hunter22", "response": {"token": "tok-123456"}})
    rendered = redact_body(body.encode())
    assert "hunter22" not in rendered and "tok-123456" not in rendered
    assert redact_body(b"\xff\xfe\x00", ()) == "<3 bytes of binary content>"
    assert redact_text("token tok-123456 leaked", ["tok-123456"]) == f"token {REDACTED} leaked"
    assert redact_text('{"password":"x y"}') == f'{{"password":"{REDACTED}"}}'


def test_fields_named_after_a_secret_are_secret_too() -> None:
    value = {"storage_password": "s3cret", "clientSecret": "x", "sessionToken": "t", "vm": "vm-1"}
    assert redact_json(value) == {
        "storage_password": REDACTED,
        "clientSecret": REDACTED,
        "sessionToken": REDACTED,
        "vm": "vm-1",
    }


def test_a_secret_is_replaced_raw_url_encoded_and_json_escaped() -> None:
    secret = 'p@ss w/rd"\\é&+%'
    forms = [secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]]
    text = " | ".join(forms) + " | " + json.dumps({"note": f"x{secret}y"})
    cleaned = replace_secrets(text, [secret])
    for form in forms:
        assert form not in cleaned
    assert cleaned.count(REDACTED) == len(forms) + 1


def test_a_long_body_is_redacted_before_it_is_cut_reading_only_what_is_kept() -> None:
    secret = "Tr0ub4dor&3-long-enough"
    limit = 1000
    # the secret straddles the cut; what lies far past it is never decoded (nor binary)
    body = ("x" * (limit - 10) + secret + "y" * 300_000).encode() + b"\xff" + b"y" * 1024**2
    kept = redact_body(body, [secret], limit=limit)
    assert secret[:10] not in kept and kept.startswith("x" * (limit - 10))
    assert kept.endswith("more characters not kept]") and len(kept) < limit + 100
    assert redact_body(b"short", [secret], limit=limit) == "short"
