"""SCV-specific checks that judge every answer schemathesis gets.

They are registered with schemathesis under stable names, so the engine, the stateful phase
and a plain ``st run`` (``SCHEMATHESIS_HOOKS=conformance.fuzz.checks``) all apply them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

URI_NULL = "scv_uri_null"
ERROR_ENVELOPE = "scv_error_envelope"
RESPONSE_TIME = "scv_response_time"
#: The keys every envelope has; ``response`` and ``uri`` are optional (the documented rename
#: answer has neither).
ENVELOPE_FIELDS = ("statusCode", "statusMessage", "responseMessage")
#: What a leaked server-side stack trace or exception looks like in a body.
STACK_TRACE = re.compile(
    r"java\.|javax\.|springframework|Exception\b|Exception:|\tat |^\s+at [\w$.]+\(|\.java:\d*"
    r"|Traceback \(most recent call last\)|File \"[^\"]+\", line \d+",
    re.MULTILINE,
)


class Budgets:
    """Response-time budgets in milliseconds: one default and per-operation overrides."""

    default_ms: int = 1000
    per_operation: Mapping[str, int] = {}

    @classmethod
    def configure(cls, default_ms: int, per_operation: Mapping[str, int]) -> None:
        cls.default_ms = default_ms
        cls.per_operation = dict(per_operation)

    @classmethod
    def for_operation(cls, operation_id: str | None) -> int:
        if operation_id is None:
            return cls.default_ms
        return cls.per_operation.get(operation_id, cls.default_ms)


def operation_id(case: Case) -> str | None:
    """The operationId of the case's operation."""
    raw = getattr(case.operation.definition, "raw", None)
    return raw.get("operationId") if isinstance(raw, dict) else None


def _json_body(response: Response) -> Any:
    if "json" not in _content_type(response) or not response.content:
        return None
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _content_type(response: Response) -> str:
    values = response.headers.get("content-type") or response.headers.get("Content-Type") or [""]
    return (values[0] if isinstance(values, list) else str(values)).lower()


@schemathesis.check
def scv_uri_null(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every JSON answer is the SCV envelope, whose ``uri``, when present, is null."""
    body = _json_body(response)
    if body is None:
        return True
    if not isinstance(body, dict):
        raise AssertionError("The JSON answer is not the SCV envelope: it is not an object")
    if "uri" not in body:
        return None
    if body["uri"] is not None:
        raise AssertionError(
            f"The envelope's `uri` must always be null (documented); got {body['uri']!r}"
        )
    return None


@schemathesis.check
def scv_error_envelope(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Error answers are the SCV envelope and leak no stack trace or exception name."""
    if response.status_code < 400:
        return True
    text = response.text_lossy()
    leak = STACK_TRACE.search(text)
    if leak:
        raise AssertionError(
            f"The {response.status_code} answer leaks server internals "
            f"(found {leak.group(0).strip()!r}): no stack trace or exception class may reach "
            "the client"
        )
    body = _json_body(response)
    if not isinstance(body, dict):
        raise AssertionError(
            f"The {response.status_code} answer is not the SCV JSON envelope "
            f"(Content-Type {_content_type(response) or 'none'}): {text[:200]!r}"
        )
    missing = [f for f in ENVELOPE_FIELDS if f not in body]
    if missing:
        raise AssertionError(
            f"The error envelope lacks {', '.join(missing)}: {json.dumps(body)[:200]}"
        )
    if body["statusCode"] != response.status_code:  # the rename answer repeats the status
        raise AssertionError(
            f"The envelope says statusCode {body['statusCode']!r} but the HTTP status is "
            f"{response.status_code}"
        )
    return None


@schemathesis.check
def scv_response_time(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """The answer arrives within the operation's response-time budget."""
    budget = Budgets.for_operation(operation_id(case))
    elapsed_ms = response.elapsed * 1000
    if elapsed_ms > budget:
        raise AssertionError(
            f"The answer took {elapsed_ms:.0f} ms; the budget of "
            f"{operation_id(case) or case.operation.label} is {budget} ms"
        )
    return None


#: The response checks above, by name.
RESPONSE_CHECKS = (URI_NULL, ERROR_ENVELOPE, RESPONSE_TIME)
