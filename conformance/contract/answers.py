"""Judging one exchange against a contract document, offline: what needs no appliance.

The answer: its status is documented, its content type and its JSON body match the
documented response. The request: its body and parameters match the operation's schemas.
``scv-conformance check`` judges a HAR with it; the fuzzing suite judges again, against the
contract without assumptions (:mod:`conformance.contract.evidence`), the answers and requests
schemathesis found wrong, to tell a failure from a deviation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.contract import jackson
from conformance.contract.pointers import escape, follow
from conformance.http.redaction import REDACTED

CONTRACT_URI = "urn:scv-contract"


@dataclass(frozen=True)
class Documented:
    """The response a contract documents for a status: its JSON pointer and object."""

    pointer: str
    response: dict[str, Any]


class AnswerJudge:
    """Judges answers and requests of one contract document, check by check."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.registry: Registry[Any] = Registry().with_resource(
            CONTRACT_URI, Resource.from_contents(dict(document), DRAFT202012)
        )

    def operation(self, path: str, method: str) -> dict[str, Any] | None:
        item = (self.document.get("paths") or {}).get(path) or {}
        found = item.get(method.lower())
        return found if isinstance(found, dict) else None

    def documented(self, path: str, method: str, status: int) -> Documented | None:
        """The response documented for ``status`` (exact, class, default), $refs followed."""
        operation = self.operation(path, method) or {}
        responses = operation.get("responses") or {}
        base = f"/paths/{escape(path)}/{method.lower()}/responses"
        first = str(status)[0]
        for key in (str(status), f"{first}XX", f"{first}xx", "default"):
            if key in responses:
                return Documented(*follow(self.document, f"{base}/{escape(key)}"))
        return None

    def status_problem(self, path: str, method: str, status: int) -> str | None:
        """Why ``status`` is not documented for the operation, or None."""
        if self.documented(path, method, status) is not None:
            return None
        responses = (self.operation(path, method) or {}).get("responses") or {}
        return (
            f"Undocumented HTTP status code\nReceived: {status}\n"
            f"Documented: {', '.join(str(k) for k in responses)}"
        )

    def content_type_problem(self, documented: Documented, content_type: str) -> str | None:
        """Why ``content_type`` is not one the response documents, or None."""
        content = documented.response.get("content") or {}
        if not content:
            return None
        received = content_type.split(";")[0].strip().lower()
        if any(media_matches(m, received) for m in content):
            return None
        return (
            f"Undocumented Content-Type\nReceived: {received or 'none'}\n"
            f"Documented: {', '.join(content)}"
        )

    def body_problem(self, documented: Documented, content_type: str, body: Any) -> str | None:
        """Why the decoded JSON ``body`` breaks the documented schema, or None."""
        content = documented.response.get("content") or {}
        received = content_type.split(";")[0].strip().lower()
        media = next((m for m in content if media_matches(m, received)), None)
        if media is None or content[media].get("schema") is None:
            return None
        ref = f"{CONTRACT_URI}#{documented.pointer}/content/{escape(media)}/schema"
        return self._schema_problem(ref, body, "Response")

    def request_problem(
        self,
        path: str,
        method: str,
        *,
        body: Any = None,
        has_body: bool = False,
        parameters: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> str | None:
        """Why a request breaks the operation's schemas, or None when it is valid.

        ``parameters`` maps ``path``/``query``/``header`` to the values sent (as strings).
        """
        operation = self.operation(path, method)
        if operation is None:
            return None
        base = f"/paths/{escape(path)}/{method.lower()}"
        item = (self.document.get("paths") or {}).get(path) or {}
        declared = [
            *[f"/paths/{escape(path)}/parameters/{i}" for i in _indexed(item)],
            *[f"{base}/parameters/{i}" for i in _indexed(operation)],
        ]
        sent = parameters or {}
        for start in declared:
            pointer, parameter = follow(self.document, start)
            where, name = str(parameter.get("in")), str(parameter.get("name"))
            values = {k.lower(): v for k, v in (sent.get(where) or {}).items()}
            key = name.lower() if where == "header" else name
            value = values.get(key) if where == "header" else (sent.get(where) or {}).get(key)
            if value is None:
                if parameter.get("required") and where != "header":
                    return f"Request lacks the required {where} parameter {name}"
                continue
            if "schema" in parameter:
                problem = self._parameter_problem(f"{pointer}/schema", value, name)
                if problem:
                    return problem
        if operation.get("requestBody") is None:
            return None
        pointer, request_body = follow(self.document, f"{base}/requestBody")
        if not isinstance(request_body, dict):
            return None
        if not has_body:
            return "Request lacks the required body" if request_body.get("required") else None
        ref = self._body_schema(path, method)
        return None if ref is None else self._schema_problem(ref, body, "Request body")

    def _body_schema(self, path: str, method: str) -> str | None:
        """The reference of the operation's JSON request body schema, if it has one."""
        if (self.operation(path, method) or {}).get("requestBody") is None:
            return None
        pointer, request_body = follow(
            self.document, f"/paths/{escape(path)}/{method.lower()}/requestBody"
        )
        content = request_body.get("content") or {} if isinstance(request_body, dict) else {}
        media = next((m for m in content if "json" in m), None)
        if media is None or content[media].get("schema") is None:
            return None
        return f"{CONTRACT_URI}#{pointer}/content/{escape(media)}/schema"

    def body_as_read(self, path: str, method: str, body: Any) -> Any:
        """The request body as a Spring appliance reads it (:mod:`conformance.contract.jackson`)."""
        ref = self._body_schema(path, method)
        if ref is None:
            return body
        return jackson.as_read(Draft202012Validator({"$ref": ref}, registry=self.registry), body)

    def _parameter_problem(self, pointer: str, value: Any, name: str) -> str | None:
        """A parameter sent as text is valid when it, or its JSON reading, fits the schema."""
        ref = f"{CONTRACT_URI}#{pointer}"
        candidates = [value]
        if isinstance(value, str):
            candidates.append(_typed(value))
        problems = [self._schema_problem(ref, c, f"Parameter {name}") for c in candidates]
        return None if any(p is None for p in problems) else problems[0]

    def _schema_problem(self, ref: str, instance: Any, what: str) -> str | None:
        validator = Draft202012Validator({"$ref": ref}, registry=self.registry)
        errors = [e for e in validator.iter_errors(instance) if e.instance != REDACTED]
        if not errors:
            return None
        first = min(errors, key=lambda e: len(list(e.absolute_path)))
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        return f"{what} violates schema at {where}: {first.message}"


def _indexed(holder: Mapping[str, Any]) -> list[int]:
    """The positions of the parameters ``holder`` declares."""
    return [i for i, p in enumerate(holder.get("parameters") or []) if isinstance(p, dict)]


def _typed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def media_matches(documented: str, received: str) -> bool:
    """Whether a received media type is the documented one (wildcards allowed)."""
    main, _, sub = documented.split(";")[0].strip().lower().partition("/")
    got_main, _, got_sub = received.partition("/")
    return main in ("*", got_main) and sub in ("*", got_sub)
