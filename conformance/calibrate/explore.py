"""Calling the contract's read operations against an appliance and keeping its answers.

Only ``login`` and GET operations are called: nothing here changes the appliance. Path and
required query parameters come, in this order, from the contract's links out of answers
already received (a backup id from a backup list), from the ``[inventory]`` morefs, from
values of earlier answers that fit the parameter (a ``moref`` field, a string matching the
parameter's pattern) and from the contract's examples. An operation whose first values
are refused is tried with the next ones, a few times at most.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.contract.pointers import dereference, lookup, pointer_of, strings
from conformance.contract.spec import Contract, Operation
from conformance.http.redaction import excerpt
from conformance.http.session import ScvSession

#: Values tried per operation before giving up on a successful answer.
MAX_TRIES = 3
#: Values kept per parameter.
MAX_CANDIDATES = 8
CONTRACT_URI = "urn:scv-conformance:contract"


@dataclass(frozen=True)
class Answer:
    """One answer of the appliance to one call of a contract operation."""

    operation_id: str
    method: str
    path: str
    url: str
    status: int
    body: Any
    is_json: bool
    parameters: Mapping[str, str] = field(default_factory=dict)


def contract_registry(document: Mapping[str, Any]) -> Registry:
    """A registry in which ``CONTRACT_URI#/pointer`` names any schema of the document."""
    resource = Resource.from_contents(dict(document), default_specification=DRAFT202012)
    return Registry().with_resource(CONTRACT_URI, resource)


def schema_at(pointer: tuple[str | int, ...]) -> dict[str, str]:
    """A schema that refers to the document node at ``pointer``."""
    return {"$ref": f"{CONTRACT_URI}#{pointer_of(pointer)}"}


class Explorer:
    """Calls every read operation of ``contract`` that ``release`` ships, in link order."""

    def __init__(
        self,
        session: ScvSession,
        contract: Contract,
        release: str,
        inventory: Mapping[str, str] | None = None,
    ) -> None:
        self.session = session
        self.contract = contract
        self.document = contract.document
        self.operations = [
            op
            for op in contract.available(release)
            if op.method == "get" or op.operation_id == "login"
        ]
        self.inventory = dict(inventory or {})
        self.answers: list[Answer] = []
        self.skipped: dict[str, str] = {}

    def run(self) -> list[Answer]:
        """Call every operation once (more when refused); the answers in call order."""
        login = self.session.login()
        self._record("login", "post", "/4.1/auth/login", str(login.request.url), login, {})
        pending = [op for op in self.operations if op.operation_id != "login"]
        done: set[str] = {"login"}
        while pending:
            ready = [op for op in pending if self._sources(op) <= done] or pending[:1]
            op = ready[0]
            pending.remove(op)
            self._call(op)
            done.add(op.operation_id)
        return self.answers

    # -- parameters ---------------------------------------------------------------------

    def _sources(self, op: Operation) -> set[str]:
        """The operations whose answers link to ``op``."""
        return {
            source.operation_id
            for source in self.operations
            for _, link in self._links(source)
            if link.get("operationId") == op.operation_id
        }

    def _links(self, op: Operation) -> Iterator[tuple[str, dict[str, Any]]]:
        for status, response in op.definition.get("responses", {}).items():
            response = self._resolve(response)
            for link in (response.get("links") or {}).values():
                yield str(status), self._resolve(link)

    def _call(self, op: Operation) -> None:
        needed = [
            p
            for p in self.contract.parameters(op)
            if p.get("in") == "path" or (p.get("in") == "query" and p.get("required"))
        ]
        choices = {p["name"]: self._candidates(op, p) for p in needed}
        empty = [name for name, values in choices.items() if not values]
        if empty:
            self.skipped[op.operation_id] = f"no value for parameter {empty[0]!r}"
            return
        for attempt in range(MAX_TRIES):
            values = {name: vals[min(attempt, len(vals) - 1)] for name, vals in choices.items()}
            path = op.path
            query = {}
            for p in needed:
                if p["in"] == "path":
                    path = path.replace("{" + p["name"] + "}", quote(values[p["name"]], safe=""))
                else:
                    query[p["name"]] = values[p["name"]]
            response = self.session.request(op.method.upper(), path, params=query or None)
            self._record(
                op.operation_id, op.method, op.path, str(response.request.url), response, values
            )
            last = attempt >= max((len(v) for v in choices.values()), default=1) - 1
            if response.status_code < 400 or last:
                return

    def _candidates(self, op: Operation, param: dict[str, Any]) -> list[str]:
        """Values for ``param``, most trustworthy first, each fitting its schema."""
        name = str(param["name"])
        schema = param.get("schema") or {}
        # the parameter's schema inside the document, so that its references resolve
        validator = Draft202012Validator(
            {**schema, "components": self.document.get("components", {})},
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        found: list[Any] = []
        found += self._linked(op, name)
        found += list(self.inventory.values())
        found += [v for a in self.answers for v in _values_named(a.body, name)]
        if self._specific(schema):
            found += [v for a in self.answers for v in strings(a.body)]
        found += self._examples(param)
        result: list[str] = []
        for value in found:
            if isinstance(value, bool) or not isinstance(value, str | int):
                continue
            converted: Any = value
            if isinstance(value, str) and value.isdigit() and not validator.is_valid(value):
                converted = int(value)
            if not validator.is_valid(converted):
                continue
            text = str(value)
            if text not in result:
                result.append(text)
            if len(result) >= MAX_CANDIDATES:
                break
        return result

    def _linked(self, op: Operation, name: str) -> list[Any]:
        values: list[Any] = []
        for source in self.operations:
            answers = [a for a in self.answers if a.operation_id == source.operation_id]
            for status, link in self._links(source):
                if link.get("operationId") != op.operation_id:
                    continue
                expression = (link.get("parameters") or {}).get(name)
                if not isinstance(expression, str):
                    continue
                for answer in answers:
                    if str(answer.status) == status:
                        values += _evaluate(expression, answer)
        return values

    def _examples(self, param: dict[str, Any]) -> list[Any]:
        values: list[Any] = []
        if "example" in param:
            values.append(param["example"])
        for example in (param.get("examples") or {}).values():
            example = self._resolve(example)
            if isinstance(example, dict) and "value" in example:
                values.append(example["value"])
        values += self._schema_examples(param.get("schema") or {}, 0)
        return values

    def _schema_examples(self, schema: Any, depth: int) -> list[Any]:
        schema = self._resolve(schema)
        if not isinstance(schema, dict) or depth > 4:
            return []
        values = list(schema.get("examples") or [])
        if "example" in schema:
            values.append(schema["example"])
        values += list(schema.get("enum") or [])
        for key in ("oneOf", "anyOf", "allOf"):
            for branch in schema.get(key) or []:
                values += self._schema_examples(branch, depth + 1)
        return values

    def _specific(self, schema: Any) -> bool:
        """True when a string must match a pattern (a moref), so a fitting value is likely one."""
        schema = self._resolve(schema)
        if not isinstance(schema, dict):
            return False
        if "pattern" in schema:
            return True
        return any(self._specific(b) for k in ("oneOf", "anyOf") for b in schema.get(k) or [])

    def _resolve(self, node: Any) -> Any:
        return dereference(self.document, node, {})

    def _record(
        self,
        operation_id: str,
        method: str,
        path: str,
        url: str,
        response: Any,
        values: Mapping[str, str],
    ) -> None:
        try:
            body, is_json = response.json(), True
        except (ValueError, UnicodeDecodeError):
            body, is_json = None, False
        self.answers.append(
            Answer(operation_id, method, path, url, response.status_code, body, is_json, values)
        )


def _evaluate(expression: str, answer: Answer) -> list[Any]:
    """Values of a link's runtime expression over an answer; the first list item varied."""
    if expression.startswith("$request.path."):
        value = answer.parameters.get(expression.removeprefix("$request.path."))
        return [] if value is None else [value]
    if not expression.startswith("$response.body#"):
        return []
    pointer = expression.removeprefix("$response.body#")
    variants = [pointer]
    if "/0/" in pointer or pointer.endswith("/0"):
        head, _, tail = pointer.partition("/0")
        variants += [f"{head}/{i}{tail}" for i in range(1, MAX_TRIES)]
    values = []
    for variant in variants:
        node = lookup(answer.body, variant, None)
        if node is not None:
            values.append(node)
    return values


def _values_named(body: Any, name: str) -> Iterator[Any]:
    """Every scalar under a key called ``name`` anywhere in ``body``."""
    if isinstance(body, dict):
        for key, value in body.items():
            if key == name and not isinstance(value, dict | list):
                yield value
            yield from _values_named(value, name)
    elif isinstance(body, list):
        for item in body:
            yield from _values_named(item, name)


def dumps_short(value: Any, limit: int = 40) -> str:
    """``value`` as short JSON for a report line."""
    return excerpt(json.dumps(value, ensure_ascii=False), limit - 3, "...")
