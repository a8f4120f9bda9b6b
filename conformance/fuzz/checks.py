"""SCV-specific checks that judge every answer schemathesis gets.

They are registered with schemathesis under stable names, so the engine, the stateful phase
and a plain ``st run`` (``SCHEMATHESIS_HOOKS=conformance.fuzz.st_hooks``) all apply them. The
response-time budgets are schemathesis' own ``max_response_time`` check, reported as
``scv_response_time``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

from conformance.contract import json_budget
from conformance.contract.scv_rules import ERROR_ENVELOPE, URI_NULL, EnvelopeRules, contract_rules
from conformance.fuzz.st_internals import ResponseTimeExceeded

#: The report's name of the response-time check: schemathesis' ``max_response_time``
#: judges it (per-operation budgets in its configuration, see conformance.fuzz.st_config);
#: reports, ``--checks`` and baselines keep the name they always had.
RESPONSE_TIME = "scv_response_time"
#: schemathesis' name of that check.
MAX_RESPONSE_TIME = "max_response_time"


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
        return json_budget.loads(response.content)  # not response.json(): unbounded
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


def response_time_message(failure: ResponseTimeExceeded, operation: str) -> str:
    """How a report says that an answer missed its budget (schemathesis' own
    ``max_response_time`` check found it)."""
    return (
        f"The answer took {failure.elapsed * 1000:.0f} ms; the budget of "
        f"{operation} is {failure.deadline * 1000:.0f} ms"
    )


#: The response checks above, by name.
RESPONSE_CHECKS = (URI_NULL, ERROR_ENVELOPE, RESPONSE_TIME)
