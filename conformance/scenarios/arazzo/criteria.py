"""Arazzo criteria: simple conditions, regular expressions and JSONPath (RFC 9535)."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonpath import JSONPathEnvironment
from jsonpath.exceptions import JSONPathError

from conformance.scenarios.arazzo import expressions
from conformance.scenarios.arazzo.expressions import Scope
from conformance.scenarios.arazzo.failures import ExpressionError, UnresolvedExpression

_STRICT = JSONPathEnvironment(strict=True)
_LOOSE = JSONPathEnvironment()
_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<expr>\$[A-Za-z0-9_.#/~\-]+)"
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<string>'(?:[^']|'')*')"
    r"|(?P<word>true|false|null)\b"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!()])"
    r")"
)

Resolver = Callable[[str], Any]


class _Missing:
    """The value of an expression that points at nothing; compares as null."""


MISSING = _Missing()


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def tokenize(condition: str) -> list[_Token]:
    """Split a simple condition into tokens; raise ExpressionError on anything else."""
    tokens: list[_Token] = []
    position = 0
    text = condition.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ExpressionError(f"cannot read condition {condition!r} at {text[position:]!r}")
        kind = str(match.lastgroup)
        tokens.append(_Token(kind, str(match.group(kind))))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent: or > and > not > comparison > primary."""

    def __init__(self, condition: str, resolve: Resolver | None) -> None:
        self.condition = condition
        self.tokens = tokenize(condition)
        self.index = 0
        self.resolve = resolve

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"condition {self.condition!r} ends too early")
        self.index += 1
        return token

    def parse(self) -> Any:
        value = self.disjunction()
        if self.peek() is not None:
            raise ExpressionError(
                f"unexpected {self.peek().text!r} in condition {self.condition!r}"  # type: ignore[union-attr]
            )
        return value

    def _is_op(self, *ops: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "op" and token.text in ops

    def disjunction(self) -> Any:
        value = self.conjunction()
        while self._is_op("||"):
            self.take()
            right = self.conjunction()
            value = _truthy(value) or _truthy(right)
        return value

    def conjunction(self) -> Any:
        value = self.negation()
        while self._is_op("&&"):
            self.take()
            right = self.negation()
            value = _truthy(value) and _truthy(right)
        return value

    def negation(self) -> Any:
        if self._is_op("!"):
            self.take()
            return not _truthy(self.negation())
        return self.comparison()

    def comparison(self) -> Any:
        left = self.primary()
        if self._is_op("==", "!=", "<", "<=", ">", ">="):
            op = self.take().text
            right = self.primary()
            return compare(left, op, right)
        return left

    def primary(self) -> Any:
        token = self.take()
        if token.kind == "op" and token.text == "(":
            value = self.disjunction()
            if not self._is_op(")"):
                raise ExpressionError(f"missing ')' in condition {self.condition!r}")
            self.take()
            return value
        if token.kind == "number":
            return float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
        if token.kind == "string":
            return token.text[1:-1].replace("''", "'")
        if token.kind == "word":
            return {"true": True, "false": False, "null": None}[token.text]
        if token.kind == "expr":
            expressions.parse(token.text)
            if self.resolve is None:
                return None
            try:
                return self.resolve(token.text)
            except UnresolvedExpression:
                return MISSING
        raise ExpressionError(f"unexpected {token.text!r} in condition {self.condition!r}")


def _truthy(value: Any) -> bool:
    return value is not MISSING and bool(value)


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    left = None if left is MISSING else left
    right = None if right is MISSING else right
    if isinstance(left, bool) or isinstance(right, bool):
        return left, right
    numeric = (int, float)
    if isinstance(left, numeric) and isinstance(right, str):
        right = _number(right)
    elif isinstance(right, numeric) and isinstance(left, str):
        left = _number(left)
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold(), right.casefold()
    return left, right


def _number(text: str) -> Any:
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        return text


def compare(left: Any, op: str, right: Any) -> bool:
    """Compare as Arazzo says: strings case-insensitively, numbers numerically."""
    a, b = _comparable(left, right)
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if a is None or b is None:
        return False
    try:
        return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])
    except TypeError:
        return False


def check_simple(condition: str) -> None:
    """Raise ExpressionError unless ``condition`` is a well-formed simple condition."""
    _Parser(condition, None).parse()


def evaluate_simple(condition: str, scope: Scope) -> bool:
    """Whether a simple condition holds in ``scope``."""
    return _truthy(_Parser(condition, lambda text: expressions.evaluate(text, scope)).parse())


def criterion_type(criterion: Mapping[str, Any]) -> tuple[str, str | None]:
    """The criterion's type and (for JSONPath) version."""
    kind = criterion.get("type", "simple")
    if isinstance(kind, dict):
        return str(kind.get("type")), str(kind.get("version"))
    return str(kind), None


def check_criterion(criterion: Mapping[str, Any]) -> None:
    """Raise ExpressionError when a criterion cannot be evaluated."""
    kind, version = criterion_type(criterion)
    condition = str(criterion.get("condition", ""))
    context = criterion.get("context")
    if context is not None:
        expressions.parse(str(context))
    for inner in expressions.embedded(condition):
        expressions.parse(inner)
    if kind == "simple":
        check_simple(condition)
        return
    if context is None:
        raise ExpressionError(f"a {kind} criterion needs a context")
    if kind == "regex":
        try:
            re.compile(expressions._EMBEDDED.sub("x", condition))
        except re.error as exc:
            raise ExpressionError(f"bad regex {condition!r}: {exc}") from None
    elif kind == "jsonpath":
        env = _LOOSE if version and "goessner" in version else _STRICT
        try:
            env.compile(expressions._EMBEDDED.sub('"x"', condition))
        except JSONPathError as exc:
            raise ExpressionError(f"bad JSONPath {condition!r}: {exc}") from None
    else:
        raise ExpressionError(f"criterion type {kind!r} is not supported")


def evaluate_criterion(criterion: Mapping[str, Any], scope: Scope) -> bool:
    """Whether one criterion holds in ``scope``."""
    kind, version = criterion_type(criterion)
    condition = str(criterion["condition"])
    if kind == "simple":
        return evaluate_simple(condition, scope)
    try:
        context = expressions.evaluate(str(criterion["context"]), scope)
    except UnresolvedExpression:
        return False
    if kind == "regex":
        pattern = expressions.render_embedded(condition, scope, quote="regex")
        if isinstance(context, bytes):
            text = context.decode("latin-1")
        else:
            text = context if isinstance(context, str) else json.dumps(context)
        return re.search(pattern, text) is not None
    pattern = expressions.render_embedded(condition, scope, quote="json")
    env = _LOOSE if version and "goessner" in version else _STRICT
    # The context value is the only element of the queried array, as the Arazzo 1.0.1
    # example ``$[?count(@.pets) > 0]`` on ``$response.body`` implies (Respect does the same).
    return bool(env.findall(pattern, [context]))


def operands(criterion: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    """The runtime expressions a simple condition compares, with their values in
    ``scope`` (one that points at nothing is left out); empty for other criteria."""
    if criterion_type(criterion)[0] != "simple":
        return {}
    values: dict[str, Any] = {}
    for token in tokenize(str(criterion["condition"])):
        if token.kind == "expr" and token.text not in values:
            with contextlib.suppress(UnresolvedExpression):
                values[token.text] = expressions.evaluate(token.text, scope)
    return values


def describe(criterion: Mapping[str, Any], scope: Scope | None = None) -> str:
    """A short text of a criterion for failure messages, with the values it met filled in."""
    kind, _ = criterion_type(criterion)
    condition = str(criterion["condition"])
    if kind == "simple":
        if scope is None:
            return condition
        met = [f"{expr} was {_shown(value)}" for expr, value in operands(criterion, scope).items()]
        return f"{condition} ({'; '.join(met)})" if met else condition
    if scope is not None:
        with contextlib.suppress(UnresolvedExpression):
            condition = expressions.render_embedded(
                condition, scope, quote="json" if kind == "jsonpath" else None
            )
    return f"{kind} {condition!r} on {criterion['context']}"


def _shown(value: Any, limit: int = 120) -> str:
    """A value as JSON, cut to ``limit`` characters."""
    try:
        text = json.dumps(value, default=str)
    except ValueError:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
