"""Fields that are misspellings of documented ones: ``restartVm`` for ``restartVM``.

A Spring appliance ignores a field it does not know (Jackson's default, and it matches
names case-sensitively), so a misspelled documented field goes unnoticed there and the
documented one takes its default: the VM restarts after all. Such a field is named here
whatever the schema says about unknown fields, with the evidence of the field it misspells.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.contract.evidence import EVIDENCE
from conformance.contract.pointers import dereference

#: How alike two names must be (difflib's ratio) to be one misspelled as the other.
LIKENESS = 0.85
#: Shorter names are taken for misspellings only when they differ in case alone.
MIN_FUZZY_LENGTH = 5
_COMBINATORS = ("allOf", "anyOf", "oneOf")
_MAX_DEPTH = 32


@dataclass(frozen=True)
class Misspelling:
    """A sent field and the documented one it most likely means."""

    where: str
    sent: str
    documented: str
    evidence: str


def misspellings(
    document: Mapping[str, Any], schema: Any, body: Any, evidence: str
) -> list[Misspelling]:
    """Every misspelled documented field of ``body`` under ``schema``, at any depth.

    ``evidence`` is what the operation rests on; a schema or a property that states its own
    ``x-evidence`` overrides it for what lies below.
    """
    return list(_walk(document, schema, body, evidence, "", 0))


def _walk(
    document: Mapping[str, Any], schema: Any, body: Any, evidence: str, where: str, depth: int
) -> Iterator[Misspelling]:
    if depth > _MAX_DEPTH:
        return
    properties, items, evidence = _described(document, schema, evidence, depth)
    if isinstance(body, dict) and properties:
        for name, value in body.items():
            if name in properties:
                sub, sub_evidence = properties[name]
                yield from _walk(document, sub, value, sub_evidence, f"{where}/{name}", depth + 1)
                continue
            meant = _meant(name, [p for p in properties if p not in body])
            if meant is not None:
                yield Misspelling(where or "/", name, meant, properties[meant][1])
    elif isinstance(body, list) and items:
        for index, value in enumerate(body):
            for item in items:
                yield from _walk(document, item, value, evidence, f"{where}/{index}", depth + 1)


def _described(
    document: Mapping[str, Any], schema: Any, evidence: str, depth: int
) -> tuple[dict[str, tuple[Any, str]], list[Any], str]:
    """The properties (with their evidence) and item schemas ``schema`` describes."""
    node = dereference(document, schema, None) if isinstance(schema, dict) else None
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return {}, [], evidence
    evidence = str(node.get(EVIDENCE) or evidence)
    properties: dict[str, tuple[Any, str]] = {}
    items: list[Any] = []
    for name, sub in (node.get("properties") or {}).items():
        own = sub.get(EVIDENCE) if isinstance(sub, dict) else None
        properties[name] = (sub, str(own or evidence))
    if isinstance(node.get("items"), dict):
        items.append(node["items"])
    for key in _COMBINATORS:
        for sub in node.get(key) or []:
            more, more_items, _ = _described(document, sub, evidence, depth + 1)
            for name, described in more.items():
                properties.setdefault(name, described)
            items += more_items
    return properties, items, evidence


def _meant(name: str, documented: list[str]) -> str | None:
    """The documented name ``name`` misspells, or None."""
    for candidate in documented:
        if candidate.lower() == name.lower():
            return candidate
    if len(name) < MIN_FUZZY_LENGTH:
        return None
    close = difflib.get_close_matches(name, documented, n=1, cutoff=LIKENESS)
    return close[0] if close else None
