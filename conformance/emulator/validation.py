"""Request validation against the contract's schemas, compiled once per operation."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from conformance.contract.pointers import dereference
from conformance.contract.spec import Contract, Operation
from conformance.emulator.errors import ApiError, bad_request

_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_UNEXPECTED = re.compile(r"\((.+) (?:was|were) unexpected\)")
MAX_DETAIL = 200
#: Passes over a body to drop unknown fields (each pass drops all it finds at once).
MAX_DROP_PASSES = 8


def _field_path(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _short(text: str) -> str:
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 3] + "..."


def describe_error(error: ValidationError, subject: str) -> str:
    """A one-line message naming the offending field of ``subject`` (field, parameter)."""
    where = _field_path(error.absolute_path)
    if error.validator == "required":
        match = _REQUIRED.match(error.message)
        name = match.group(1) if match else "?"
        full = f"{where}.{name}" if where else name
        return f"Missing required {subject} '{full}'"
    if error.validator == "additionalProperties":
        match = _UNEXPECTED.search(error.message)
        names = match.group(1) if match else "?"
        prefix = f" in '{where}'" if where else ""
        return _short(f"Unknown {subject}{prefix}: {names}")
    if not where and subject == "field":
        return _short(f"Invalid request body: {error.message}")
    label = where or subject
    return _short(f"Invalid value for {subject} '{label}': {error.message}")


@dataclass(frozen=True)
class Param:
    """One path or query parameter and its compiled schema."""

    name: str
    location: str
    required: bool
    integer: bool
    array: bool
    validator: Draft202012Validator

    def convert(self, raw: str) -> Any:
        if self.integer and re.fullmatch(r"-?[0-9]{1,30}", raw):
            return int(raw)
        return raw


class RequestValidator:
    """The compiled checks of one operation's parameters and body."""

    def __init__(self, contract: Contract, operation: Operation) -> None:
        self._document = contract.document
        self._components = contract.document.get("components", {})
        self.params = tuple(self._param(p) for p in contract.parameters(operation))
        self.path_params = tuple(p for p in self.params if p.location == "path")
        self.query_params = tuple(p for p in self.params if p.location == "query")
        body = operation.definition.get("requestBody")
        self.body: Draft202012Validator | None = None
        self.body_required = False
        if body is not None:
            body = dereference(self._document, body)
            schema = body["content"]["application/json"]["schema"]
            self.body = self._compile(schema)
            self.body_required = bool(body.get("required", False))

    def _compile(self, schema: dict[str, Any]) -> Draft202012Validator:
        root = {**schema, "components": self._components}
        return Draft202012Validator(root)

    def _param(self, param: dict[str, Any]) -> Param:
        schema = param.get("schema", {})
        resolved = dereference(self._document, schema)
        return Param(
            name=param["name"],
            location=param["in"],
            required=bool(param.get("required", False)),
            integer=resolved.get("type") == "integer",
            array=resolved.get("type") == "array",
            validator=self._compile(schema),
        )

    def check_params(self, path: dict[str, str], query: dict[str, list[str]]) -> dict[str, Any]:
        """Converted parameter values; ApiError 400 names the first invalid one."""
        values: dict[str, Any] = {}
        for param in self.path_params:
            values[param.name] = self._check(param, param.convert(path[param.name]))
        for param in self.query_params:
            raw = query.get(param.name)
            if not raw:
                if param.required:
                    raise bad_request(f"Missing required query parameter '{param.name}'")
                continue
            value = [param.convert(v) for v in raw] if param.array else param.convert(raw[-1])
            values[param.name] = self._check(param, value)
        return values

    @staticmethod
    def _check(param: Param, value: Any) -> Any:
        error = best_match(param.validator.iter_errors(value))
        if error is not None:
            subject = f"{param.location} parameter '{param.name}'"
            raise ApiError(400, _short(f"Invalid value for {subject}: {error.message}"))
        return value

    def drop_unknown(self, body: Any) -> tuple[Any, list[str]]:
        """``body`` without the fields its schema does not name, and their paths, as
        Jackson reads a request when unknown fields are not refused.

        Only the objects the schema closes (``additionalProperties: false``) outside a
        ``oneOf``/``anyOf`` branch are pruned: which branch a field belongs to is not known.
        """
        if self.body is None or not isinstance(body, dict | list):
            return body, []
        body = copy.deepcopy(body)
        dropped: list[str] = []
        for _ in range(MAX_DROP_PASSES):
            errors = [
                e for e in self.body.iter_errors(body) if e.validator == "additionalProperties"
            ]
            if not errors:
                break
            for error in errors:
                instance, schema = error.instance, error.schema
                if (
                    not isinstance(instance, dict)
                    or schema.get("additionalProperties") is not False
                ):
                    continue
                named = schema.get("properties") or {}
                for key in [k for k in instance if k not in named]:
                    del instance[key]
                    where = _field_path(error.absolute_path)
                    dropped.append(f"{where}.{key}" if where else key)
        return body, dropped

    def check_body(self, body: Any, present: bool) -> None:
        """ApiError 400 when the JSON body breaks the schema or is missing."""
        if self.body is None:
            return
        if not present:
            if self.body_required:
                raise bad_request("Required request body is missing")
            return
        error = best_match(self.body.iter_errors(body))
        if error is not None:
            raise bad_request(describe_error(error, "field"))
