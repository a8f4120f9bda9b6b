"""Arazzo runtime expressions: parsing, and evaluation against a workflow's state."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonpath import JSONPointer
from jsonpath.exceptions import JSONPointerError

from conformance.scenarios.arazzo.failures import ExpressionError, UnresolvedExpression

_NAME = r"[A-Za-z0-9_.\-]+"
_ID = r"[A-Za-z0-9_\-]+"
_POINTER = r"(?:#(?P<pointer>(?:/[^{}\s]*)*))?"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("url", r"\$url"),
        ("method", r"\$method"),
        ("statusCode", r"\$statusCode"),
        (
            "message",
            r"\$(?P<source>request|response)\.(?P<part>header|query|path)\."
            r"(?P<name>[A-Za-z0-9!#$%&'*+.^_`|~\-]+)",
        ),
        ("body", rf"\$(?P<source>request|response)\.body{_POINTER}"),
        ("inputs", rf"\$inputs\.(?P<name>{_ID}){_POINTER}"),
        ("outputs", rf"\$outputs\.(?P<name>{_ID}){_POINTER}"),
        ("steps", rf"\$steps\.(?P<step>{_ID})\.outputs\.(?P<name>{_ID}){_POINTER}"),
        (
            "workflows",
            rf"\$workflows\.(?P<workflow>{_ID})\.(?P<part>inputs|outputs)\."
            rf"(?P<name>{_ID}){_POINTER}",
        ),
        ("sources", rf"\$sourceDescriptions\.(?P<source>{_ID})\.(?P<name>{_NAME})"),
        (
            "components",
            rf"\$components\.(?P<part>inputs|parameters|successActions|"
            rf"failureActions)\.(?P<name>{_ID})",
        ),
    )
)
_EMBEDDED = re.compile(r"\{(\$[^{}]+)\}")


@dataclass(frozen=True)
class Expression:
    """A parsed runtime expression."""

    text: str
    kind: str
    groups: Mapping[str, str | None]

    @property
    def pointer(self) -> str | None:
        return self.groups.get("pointer")


def parse(text: str) -> Expression:
    """Parse one runtime expression (the whole of ``text``)."""
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return Expression(text, kind, match.groupdict())
    raise ExpressionError(f"not a runtime expression: {text!r}")


def is_expression(value: Any) -> bool:
    """True for a string that is meant as a whole runtime expression."""
    return isinstance(value, str) and value.startswith("$")


def embedded(text: str) -> list[str]:
    """The ``{$...}`` expressions embedded in a string."""
    return _EMBEDDED.findall(text)


@dataclass
class Message:
    """What expressions may read of one call: request and response."""

    method: str = ""
    url: str = ""
    status_code: int | None = None
    request_headers: Mapping[str, str] = field(default_factory=dict)
    request_query: Mapping[str, Any] = field(default_factory=dict)
    request_path: Mapping[str, Any] = field(default_factory=dict)
    request_body: Any = None
    response_headers: Mapping[str, str] = field(default_factory=dict)
    response_body: Any = None


@dataclass
class Scope:
    """Everything a workflow's expressions can see."""

    inputs: Mapping[str, Any] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    message: Message | None = None


def _resolve_pointer(value: Any, pointer: str | None, text: str) -> Any:
    if not pointer:
        return value
    if isinstance(value, (str, bytes)):
        # a text body (or a JSON string) has no members; JSONPointer would parse it as a
        # JSON document, and one nested too deep ends in a RecursionError
        raise UnresolvedExpression(f"{text}: nothing at {pointer} of a text body")
    try:
        return JSONPointer(pointer).resolve(value)
    except (JSONPointerError, KeyError, IndexError, TypeError):
        raise UnresolvedExpression(f"{text}: nothing at {pointer}") from None


def _lookup(mapping: Mapping[str, Any], key: str, text: str, folded: bool = False) -> Any:
    if folded:
        lowered = {k.lower(): v for k, v in mapping.items()}
        if key.lower() in lowered:
            return lowered[key.lower()]
    elif key in mapping:
        return mapping[key]
    raise UnresolvedExpression(f"{text}: not set")


def evaluate(text: str, scope: Scope) -> Any:
    """The value of the runtime expression ``text``, keeping its type."""
    expr = parse(text)
    g = expr.groups
    if expr.kind == "inputs":
        value = _lookup(scope.inputs, str(g["name"]), text)
    elif expr.kind == "outputs":
        value = _lookup(scope.outputs, str(g["name"]), text)
    elif expr.kind == "steps":
        outputs = scope.steps.get(str(g["step"]))
        if outputs is None:
            raise UnresolvedExpression(f"{text}: step {g['step']} has not run")
        value = _lookup(outputs, str(g["name"]), text)
    elif expr.kind == "sources":
        value = _lookup(scope.sources, str(g["source"]), text)
    elif expr.kind in {"workflows", "components"}:
        raise UnresolvedExpression(f"{text}: not supported by this engine")
    else:
        value = _message_value(expr, scope.message)
    return _resolve_pointer(value, expr.pointer, text)


def _message_value(expr: Expression, message: Message | None) -> Any:
    if message is None:
        raise UnresolvedExpression(f"{expr.text}: no request has been sent")
    g = expr.groups
    if expr.kind == "url":
        return message.url
    if expr.kind == "method":
        return message.method
    if expr.kind == "statusCode":
        return message.status_code
    if expr.kind == "body":
        return message.request_body if g["source"] == "request" else message.response_body
    request = g["source"] == "request"
    part = g["part"]
    if part == "header":
        headers = message.request_headers if request else message.response_headers
        return _lookup(headers, str(g["name"]), expr.text, folded=True)
    if not request:
        raise UnresolvedExpression(f"{expr.text}: a response has no {part} parameters")
    source = message.request_query if part == "query" else message.request_path
    return _lookup(source, str(g["name"]), expr.text)


def render_embedded(text: str, scope: Scope, quote: str | None = None) -> str:
    """``text`` with every ``{$...}`` replaced by its value.

    ``quote="json"`` inserts values as JSON literals (for JSONPath filters),
    ``quote="regex"`` escapes them for a regular expression.
    """

    def substitute(match: re.Match[str]) -> str:
        value = evaluate(match.group(1), scope)
        if quote == "json":
            return json.dumps(value)
        rendered = value if isinstance(value, str) else json.dumps(value)
        return re.escape(rendered) if quote == "regex" else rendered

    return _EMBEDDED.sub(substitute, text)


def resolve_value(value: Any, scope: Scope) -> Any:
    """A payload or parameter value with its expressions evaluated, at any depth."""
    if isinstance(value, dict):
        return {k: resolve_value(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_value(v, scope) for v in value]
    if is_expression(value):
        return evaluate(value, scope)
    if isinstance(value, str) and "{$" in value:
        return render_embedded(value, scope)
    return value


def expressions_in(value: Any) -> list[str]:
    """Every runtime expression (whole or embedded) in a value, at any depth."""
    found: list[str] = []
    if isinstance(value, dict):
        for item in value.values():
            found += expressions_in(item)
    elif isinstance(value, list):
        for item in value:
            found += expressions_in(item)
    elif is_expression(value):
        found.append(value)
    elif isinstance(value, str):
        found += embedded(value)
    return found
