"""SCV-specific checks that judge every answer schemathesis gets.

They are registered with schemathesis under stable names, so the engine, the stateful phase
and a plain ``st run`` (``SCHEMATHESIS_HOOKS=conformance.fuzz.checks``) all apply them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

from conformance.contract.scv_rules import ERROR_ENVELOPE, URI_NULL, EnvelopeRules, contract_rules

RESPONSE_TIME = "scv_response_time"


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


class Envelope:
    """The envelope rules of the contract the run checks (its overlays applied)."""

    rules: EnvelopeRules | None = None

    @classmethod
    def configure(cls, document: Mapping[str, Any]) -> None:
        cls.rules = EnvelopeRules.of(document)

    @classmethod
    def current(cls) -> EnvelopeRules:
        """The configured rules; the shipped contract's for a plain ``st run``."""
        return cls.rules or contract_rules()


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
    problem = Envelope.current().uri_problem(body)
    if problem:
        raise AssertionError(problem)
    return None


@schemathesis.check
def scv_error_envelope(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Error answers are the SCV envelope and leak no stack trace or exception name."""
    if response.status_code < 400:
        return True
    problem = Envelope.current().error_envelope_problem(
        response.status_code, response.text_lossy(), _content_type(response), _json_body(response)
    )
    if problem:
        raise AssertionError(problem)
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
