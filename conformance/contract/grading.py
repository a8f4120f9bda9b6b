"""Failure or deviation: what a violated check rests on, documented evidence or our assumption.

A check schemathesis (or an SCV check) found violated is judged again, against the contract
without its assumption-only constraints (:func:`conformance.contract.evidence.without_assumptions`).
When that weaker contract accepts the exchange, only an assumption of ours was contradicted:
a **deviation**. Otherwise, or when the check does not rest on the contract, a **failure**.
The full contract is judged the same way first: when it finds nothing wrong either (the
check saw something this judge does not model), the violation stays a failure.

Per check:

- ``status_code_conformance``: the status is of a class whose documented statuses are
  assumed (every error status of the contract is);
- ``content_type_conformance``, ``response_schema_conformance``: the answer fits the
  relaxed response (an assumed status leaves the body open);
- ``negative_data_rejection``: the request the appliance accepted is valid once the
  assumed request constraints (closed schemas, lengths, patterns...) are gone, read as
  Spring's Jackson reads it (a digit string for a number, a number for a text, ...:
  :mod:`conformance.contract.jackson`), or both;
- ``scv_error_envelope``: the error answer is not the envelope, or lacks its keys, and the
  contract documents that answer's body by assumption only, or the keys it lacks are
  required by assumption only; a leaked stack trace and a ``statusCode`` that contradicts
  the HTTP status stay failures;
- ``scv_uri_null``: the envelope's ``uri`` fits the relaxed contract's ``uri``;
- ``positive_data_acceptance``: the request the appliance refused is valid only because
  of assumed constraints: the contract that accepts only what the evidence vouches for
  (:func:`conformance.contract.vouched.vouched`) refuses it. A request the evidence vouches for,
  refused, stays a failure;
- ``scv_auth_required``: the call without a valid token was refused, with another 4xx
  than the assumed 401.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.contract import json_budget
from conformance.contract.answers import AnswerJudge
from conformance.contract.evidence import without_assumptions
from conformance.contract.scv_rules import ERROR_ENVELOPE, STACK_TRACE, URI_NULL, EnvelopeRules
from conformance.contract.spec import Contract
from conformance.contract.vouched import vouched

STATUS_CODE = "status_code_conformance"
CONTENT_TYPE = "content_type_conformance"
RESPONSE_SCHEMA = "response_schema_conformance"
NEGATIVE_DATA = "negative_data_rejection"
POSITIVE_DATA = "positive_data_acceptance"
#: The checks whose violations may be deviations.
GRADED = (
    STATUS_CODE,
    CONTENT_TYPE,
    RESPONSE_SCHEMA,
    NEGATIVE_DATA,
    POSITIVE_DATA,
    ERROR_ENVELOPE,
    URI_NULL,
)


@dataclass(frozen=True)
class Sent:
    """What a case sent: the operation's path template and method, and the values."""

    path: str
    method: str
    body: Any = None
    has_body: bool = False
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Answered:
    """What came back."""

    status: int
    content_type: str
    text: str

    def json(self) -> Any:
        if "json" not in self.content_type.lower() or not self.text:
            return None
        try:
            return json_budget.loads(self.text)
        except ValueError:
            return None


class Grader:
    """Grades violations against one contract (cached: building the judges costs)."""

    def __init__(self, contract: Contract) -> None:
        relaxed = without_assumptions(contract.document)
        self.full = AnswerJudge(contract.document)
        self.relaxed = AnswerJudge(relaxed)
        self.full_envelope = EnvelopeRules.of(contract.document)
        self.relaxed_envelope = EnvelopeRules.of(relaxed)
        self.vouched = AnswerJudge(vouched(contract.document))

    def is_deviation(self, check: str, sent: Sent, answered: Answered) -> bool:
        """True when the violation of ``check`` contradicts only assumptions."""
        if check == STATUS_CODE:
            return self._status_assumed(sent, answered.status)
        if check in (CONTENT_TYPE, RESPONSE_SCHEMA):
            return self._answer_fits_relaxed(check, sent, answered)
        if check == NEGATIVE_DATA:
            return self._request_valid_relaxed(sent)
        if check == POSITIVE_DATA:
            return self._request_rests_on_assumption(sent)
        if check == ERROR_ENVELOPE:
            return self._envelope_assumed(sent, answered)
        if check == URI_NULL:
            body = answered.json()
            return (
                self.full_envelope.uri_problem(body) is not None
                and self.relaxed_envelope.uri_problem(body) is None
            )
        return False

    def _status_assumed(self, sent: Sent, status: int) -> bool:
        return (
            self.full.status_problem(sent.path, sent.method, status) is not None
            and self.relaxed.status_problem(sent.path, sent.method, status) is None
        )

    def _answer_fits_relaxed(self, check: str, sent: Sent, answered: Answered) -> bool:
        full = self.full.documented(sent.path, sent.method, answered.status)
        relaxed = self.relaxed.documented(sent.path, sent.method, answered.status)
        if relaxed is None:
            return False
        if check == CONTENT_TYPE:
            return (
                full is None
                or self.full.content_type_problem(full, answered.content_type) is not None
            ) and self.relaxed.content_type_problem(relaxed, answered.content_type) is None
        body = answered.json()
        if body is None:
            # no JSON to judge: a deviation only when the relaxed answer has no body rules
            return not relaxed.response.get("content")
        full_problem = (
            full is not None
            and self.full.body_problem(full, answered.content_type, body) is not None
        )
        if full is not None and not full_problem:
            return False  # schemathesis saw something this judge does not: keep it a failure
        return self.relaxed.body_problem(relaxed, answered.content_type, body) is None

    def _request_valid_relaxed(self, sent: Sent) -> bool:
        kwargs = _request_parts(sent)
        full = self.full.request_problem(sent.path, sent.method, **kwargs)
        if full is None:
            return False
        if self.relaxed.request_problem(sent.path, sent.method, **kwargs) is None:
            return True
        if not sent.has_body:
            return False
        # a value of another scalar type that Spring's Jackson reads as the right one
        read = self.relaxed.body_as_read(sent.path, sent.method, sent.body)
        if read == sent.body:
            return False
        kwargs["body"] = read
        return self.relaxed.request_problem(sent.path, sent.method, **kwargs) is None

    def _request_rests_on_assumption(self, sent: Sent) -> bool:
        kwargs = _request_parts(sent)
        full = self.full.request_problem(sent.path, sent.method, **kwargs)
        promised = self.vouched.request_problem(sent.path, sent.method, **kwargs)
        return full is None and promised is not None

    def _envelope_assumed(self, sent: Sent, answered: Answered) -> bool:
        if STACK_TRACE.search(answered.text):
            return False
        body = answered.json()
        if (
            isinstance(body, dict)
            and "statusCode" in body
            and body["statusCode"] != answered.status
        ):
            return False
        if (
            self.full_envelope.error_envelope_problem(
                answered.status, answered.text, answered.content_type, body
            )
            is not None
            and self.relaxed_envelope.error_envelope_problem(
                answered.status, answered.text, answered.content_type, body
            )
            is None
        ):
            return True  # it lacks keys only an assumption requires
        relaxed = self.relaxed.documented(sent.path, sent.method, answered.status)
        return relaxed is None or not relaxed.response.get("content")

    def auth_refusal_deviates(self, sent: Sent, status: int | None) -> bool:
        """True when a call without a valid token, answered ``status`` instead of 401, was
        refused by another 4xx where the 401 is assumed only: a deviation."""
        refused = status is not None and 400 <= status < 500
        return refused and self._auth_refusal_assumed(sent)

    def _auth_refusal_assumed(self, sent: Sent) -> bool:
        return self.relaxed.status_problem(sent.path, sent.method, 401) is None and (
            self.relaxed.documented(sent.path, sent.method, 401)
            != self.full.documented(sent.path, sent.method, 401)
        )


def _request_parts(sent: Sent) -> dict[str, Any]:
    """What a contract judges of a request besides its method and path."""
    return {"body": sent.body, "has_body": sent.has_body, "parameters": sent.parameters}
