"""JSON pointers (RFC 6901) into JSON documents, a document's local ``$ref``s followed, and
the strings a JSON value holds.

Built on :class:`jsonpath.JSONPointer`. A pointer is given as its text
(``/paths/~14.1~1jobs``) or as its parts (``("paths", "/4.1/jobs")``). A digit part is an
index into a list and a key of an object; an index past the end, a key absent or a step
into a scalar find nothing. What nothing is, the caller says: ``default``, or a KeyError
when it gives none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from jsonpath import JSONPointer
from jsonpath.exceptions import JSONPointerError

#: A pointer as the sequence of its parts (keys and list indexes).
Parts = Sequence[str | int]
_MISSING: Any = object()


def pointer_of(parts: Iterable[str | int]) -> str:
    """The text of the pointer made of ``parts``: ``("paths", "/jobs")`` -> ``/paths/~1jobs``."""
    return str(JSONPointer.from_parts(parts, unicode_escape=False))


def escape(token: str) -> str:
    """``token`` as one part of a pointer's text: ``~`` as ``~0``, ``/`` as ``~1``."""
    return pointer_of((token,))[1:]


def parts_of(pointer: str) -> tuple[str, ...]:
    """The parts of the pointer ``pointer``, unescaped; ValueError when it is no pointer."""
    return _parsed(pointer).parts


def lookup(document: Any, pointer: str | Parts, default: Any = _MISSING) -> Any:
    """The node of ``document`` at ``pointer`` (its text or its parts).

    ``default`` where there is none (or ``pointer`` is no pointer); KeyError without one.
    """
    try:
        parsed = _parsed(pointer) if isinstance(pointer, str) else _from_parts(pointer)
        if not parsed.parts:
            return document
        # JSONPointer reads a str as JSON text: only containers are walked
        if isinstance(document, str | bytes) or not isinstance(document, Mapping | Sequence):
            raise KeyError(pointer)
        return parsed.resolve(document)
    except (ValueError, LookupError, JSONPointerError):
        if default is _MISSING:
            raise KeyError(pointer) from None
        return default


def follow(document: Any, pointer: str) -> tuple[str, Any]:
    """Where the node at ``pointer`` leads through local ``$ref``s: the pointer of the first
    node on the way without one, and that node.

    KeyError when a step finds nothing, refers into another document or goes round.
    """
    return _chase(document, pointer, lookup(document, pointer))


def dereference(document: Any, node: Any, default: Any = _MISSING) -> Any:
    """``node``, or where its local ``$ref`` leads in ``document``: the first node on the way
    without a ``$ref``.

    ``default`` when a step finds nothing, refers into another document or goes round;
    KeyError without one.
    """
    try:
        return _chase(document, "", node)[1]
    except KeyError:
        if default is _MISSING:
            raise
        return default


def _chase(document: Any, pointer: str, node: Any) -> tuple[str, Any]:
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        reference = node["$ref"]
        if not reference.startswith("#") or reference in seen:
            raise KeyError(reference)
        seen.add(reference)
        pointer = reference[1:]
        node = lookup(document, pointer)
    return pointer, node


def _parsed(pointer: str) -> JSONPointer:
    try:
        return JSONPointer(pointer, unicode_escape=False)
    except JSONPointerError as exc:
        raise ValueError(f"not a JSON pointer: {pointer!r}") from exc


def _from_parts(parts: Parts) -> JSONPointer:
    return JSONPointer.from_parts(parts, unicode_escape=False)


def strings(value: Any) -> Iterator[str]:
    """Every string in ``value``, depth first: itself, or inside its objects and arrays
    (object values only, not keys)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)
