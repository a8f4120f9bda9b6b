"""Criteria every Arazzo runner evaluates alike: the loader refuses the ones that are not.

Arazzo 1.0.1 leaves open what ``$`` is in a JSONPath criterion: the context value itself,
or an array holding it (as the specification's example ``$[?count(@.pets) > 0]`` implies,
and as Redocly Respect and this engine read it). A condition that starts with ``$..`` (a
descendant search), or with ``$[?`` whose filter reaches data only through ``$..``, means
the same under both readings; ``$.name``, ``$[0]`` or ``count($[?...])`` does not.
Respect's JSONPath library also evaluates two constructs wrongly: an index inside a filter
(``@.entities[0]`` is never found) and a chain of three or more ``&&`` or ``||`` (the third
term is ignored). And Respect does not substitute ``{$...}`` in a regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_EMBEDDED = re.compile(r"\{\$[^{}]+\}")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_START = re.compile(r"\$(\.\.|\[\?)")
_INNER_ROOT = re.compile(r"\$(?!\.\.)")
_INDEX = re.compile(r"\[\s*-?\d+\s*(?::[^\]]*)?\]")


def problems(criterion: Mapping[str, Any]) -> list[str]:
    """Why a criterion may mean something else in another runner (empty when portable)."""
    kind = criterion.get("type", "simple")
    if isinstance(kind, dict):
        kind = kind.get("type")
    condition = str(criterion.get("condition", ""))
    if kind == "regex" and _EMBEDDED.search(condition):
        return [f"regex {condition!r}: other runners do not fill in {{$...}} in a regex"]
    if kind != "jsonpath":
        return []
    text = _STRING.sub("''", _EMBEDDED.sub("0", condition))
    found = []
    if not _START.match(text) or _INNER_ROOT.search(text, 1):
        found.append(
            f"JSONPath {condition!r}: start with '$..' or '$[?' and reach data inside a "
            "filter only through '$..', so that the condition means the same whether '$' "
            "is the context value or an array holding it"
        )
    bodies = _filters(text)
    if text.startswith("$[?") and bodies and "@" in bodies[-1]:
        found.append(
            f"JSONPath {condition!r}: '@' in the outermost filter is the context value or "
            "one of its members depending on the reading; use '$..' there"
        )
    for body in bodies:
        if _INDEX.search(body):
            found.append(f"JSONPath {condition!r}: an index inside a filter")
        for operator in ("&&", "||"):
            if body.count(operator) >= 2:
                found.append(f"JSONPath {condition!r}: three or more terms joined by {operator}")
    return found


def _filters(text: str) -> list[str]:
    """The top level of every filter ``[?...]`` in ``text``, nested filters cut out."""
    bodies: list[str] = []
    stack: list[list[str]] = []
    index = 0
    while index < len(text):
        if text.startswith("[?", index):
            stack.append([])
            index += 2
            continue
        char = text[index]
        if char == "[" and stack:
            depth = 1
            end = index + 1
            while end < len(text) and depth:
                if text.startswith("[?", end):
                    break
                depth += {"[": 1, "]": -1}.get(text[end], 0)
                end += 1
            if depth == 0:
                stack[-1].append(text[index:end])
                index = end
                continue
        if char == "]" and stack:
            bodies.append("".join(stack.pop()))
        elif stack:
            stack[-1].append(char)
        index += 1
    return bodies
