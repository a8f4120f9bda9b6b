"""Rules the SCV documentation sets for every answer, judged on the answer alone.

The fuzzing checks apply them to each answer schemathesis gets; ``scv-conformance check``
applies them to a recorded HAR. The envelope's constraints are read from the contract
(``components/schemas/Envelope``: its ``required`` keys and the schema of ``uri``), so that
an overlay that adapts the envelope to an appliance (``learn``) adapts these rules too, and
the contract without assumptions (:mod:`conformance.contract.evidence`) grades them. Each
returns the problem found, or None.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.contract.pointers import lookup
from conformance.contract.spec import load_contract
from conformance.http.redaction import excerpt

URI_NULL = "scv_uri_null"
ERROR_ENVELOPE = "scv_error_envelope"
AUTH_REQUIRED = "scv_auth_required"
#: Where the contract describes the envelope around every answer.
ENVELOPE_POINTER = "/components/schemas/Envelope"
#: The keys every envelope has; ``response`` and ``uri`` are optional (the documented rename
#: answer has neither). What the contract's envelope requires wins over this.
ENVELOPE_FIELDS = ("statusCode", "statusMessage", "responseMessage")
#: What a leaked server-side stack trace or exception looks like in a body.
STACK_TRACE = re.compile(
    r"java\.|javax\.|springframework|Exception\b|Exception:|\tat |^\s+at [\w$.]+\(|\.java:\d*"
    r"|Traceback \(most recent call last\)|File \"[^\"]+\", line \d+",
    re.MULTILINE,
)
_CONTRACT_URI = "urn:scv-envelope-rules"
_EVIDENCE_WORDS = {"doc": "documented", "client": "client-proven", "assumption": "assumed"}


@dataclass(frozen=True)
class EnvelopeRules:
    """The envelope's keys and its ``uri`` as one contract document states them."""

    #: The keys every envelope must have.
    required: tuple[str, ...]
    #: Validates a present ``uri``; None when the contract leaves it unconstrained.
    uri: Draft202012Validator | None
    #: How sure the contract is of the ``uri`` rule (``documented``, ``assumed``...).
    uri_evidence: str

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> EnvelopeRules:
        """The rules of ``document`` (a contract, overlays applied or assumptions removed)."""
        envelope = lookup(document, ENVELOPE_POINTER, None)
        if not isinstance(envelope, dict):
            return cls(ENVELOPE_FIELDS, None, "")
        required = envelope.get("required")
        keys = tuple(str(k) for k in required) if isinstance(required, list) else ()
        uri = (envelope.get("properties") or {}).get("uri")
        if not isinstance(uri, dict) or not any(k for k in uri if not k.startswith("x-")):
            return cls(keys, None, "")
        registry: Registry[Any] = Registry().with_resource(
            _CONTRACT_URI, Resource.from_contents(dict(document), DRAFT202012)
        )
        validator = Draft202012Validator(
            {"$ref": f"{_CONTRACT_URI}#{ENVELOPE_POINTER}/properties/uri"}, registry=registry
        )
        evidence = str(uri.get("x-evidence") or envelope.get("x-evidence") or "")
        return cls(keys, validator, _EVIDENCE_WORDS.get(evidence, evidence))

    def uri_problem(self, body: Any) -> str | None:
        """Every JSON answer is the SCV envelope, whose ``uri``, when present, fits the
        contract (``null``, as documented).

        ``body`` is the decoded JSON answer.
        """
        if not isinstance(body, dict):
            return "The JSON answer is not the SCV envelope: it is not an object"
        if "uri" not in body or self.uri is None:
            return None
        error = next(iter(self.uri.iter_errors(body["uri"])), None)
        if error is None:
            return None
        why = f" ({self.uri_evidence})" if self.uri_evidence else ""
        if self.uri.is_valid(None) and not self.uri.is_valid(""):
            return f"The envelope's `uri` must always be null{why}; got {body['uri']!r}"
        return f"The envelope's `uri` breaks the contract{why}: {error.message}"

    def error_envelope_problem(
        self, status: int, text: str, content_type: str, body: Any
    ) -> str | None:
        """Error answers are the SCV envelope and leak no stack trace or exception name.

        ``body`` is the decoded JSON answer, or None when it is not JSON.
        """
        if status < 400:
            return None
        leak = STACK_TRACE.search(text)
        if leak:
            return (
                f"The {status} answer leaks server internals "
                f"(found {leak.group(0).strip()!r}): no stack trace or exception class may "
                "reach the client"
            )
        if not isinstance(body, dict):
            return (
                f"The {status} answer is not the SCV JSON envelope "
                f"(Content-Type {content_type or 'none'}): {excerpt(text, 200)!r}"
            )
        missing = [f for f in self.required if f not in body]
        if missing:
            shown = excerpt(json.dumps(body), 200)
            return f"The error envelope lacks {', '.join(missing)}: {shown}"
        if "statusCode" in body and body["statusCode"] != status:
            return (
                f"The envelope says statusCode {body['statusCode']!r} but the HTTP status is "
                f"{status}"
            )
        return None


@lru_cache(maxsize=1)
def contract_rules() -> EnvelopeRules:
    """The rules of the contract as shipped (no overlay)."""
    return EnvelopeRules.of(load_contract().document)
