"""JSON answers parsed within a budget: what the harness holds of an answer, not only what it reads.

An answer under the size cap can still take hundreds of megabytes once parsed (8 MiB of
``0,`` are four million values) and more again once judged; one nested 100,000 levels deep
is no value Python can parse at all (``maximum recursion depth exceeded``) and no schema
validator can walk. :func:`loads` counts an answer's values and its depth before it parses
it, on the text with its strings taken out, and refuses one over :data:`MAX_VALUES` or
:data:`MAX_DEPTH` with :class:`OverBudget`: a ``ValueError`` whose message names the
budget, so that a check judges such an answer as it judges one that is not JSON.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

#: The most JSON values (scalars and containers) of an answer the harness parses.
MAX_VALUES = 200_000
#: The deepest nesting of an answer the harness parses; SCV's answers nest a few levels.
MAX_DEPTH = 64

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = b"[]{}"
_OTHERS = bytes(b for b in range(256) if b not in _BRACKETS)
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class OverBudget(ValueError):
    """An answer with more values or deeper nesting than the harness parses."""


def check(text: str | bytes, what: str = "the answer") -> None:
    """OverBudget when ``text`` has more values or deeper nesting than the harness parses.

    Counted on the text with its strings taken out, without parsing it: commas and opening
    brackets bound the values a parser would build, the brackets' running sum is the depth.
    """
    problem = over_budget(text, what)
    if problem is not None:
        # the error travels on (a report keeps it, and its traceback this frame): it must
        # not hold the answer
        del text
        raise OverBudget(problem)


def over_budget(text: str | bytes, what: str = "the answer") -> str | None:
    """Why ``text`` is over the budget (:func:`check`), or None when it is not."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    opened = data.count(b"[") + data.count(b"{")
    if opened + data.count(b",") + 1 <= MAX_VALUES and opened <= MAX_DEPTH:
        return None  # within the budget even counting what is inside strings
    bare = _without_strings(data)
    opened = bare.count(b"[") + bare.count(b"{")
    values = opened + bare.count(b",") + 1
    if values > MAX_VALUES:
        return (
            f"{what} holds about {values:,} JSON values; the harness parses answers of at "
            f"most {MAX_VALUES:,} (MAX_VALUES)"
        )
    if opened <= MAX_DEPTH:
        return None
    brackets = bare.translate(None, _OTHERS)  # at most MAX_VALUES of them
    depth = max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)))
    if depth > MAX_DEPTH:
        return (
            f"{what} nests {depth:,} levels deep; the harness parses answers at most "
            f"{MAX_DEPTH} levels deep (MAX_DEPTH)"
        )
    return None


#: Strings taken out of a text at a time: one substitution over a whole answer of 330,000
#: strings built a list of 660,000 pieces (114 MB) before joining them.
_STRINGS_AT_ONCE = 4096
#: That many strings and the text before each: its end is outside any string.
_STRING_RUN = re.compile(rb'(?:[^"]*"[^"\\]*(?:\\.[^"\\]*)*"){%d}' % _STRINGS_AT_ONCE)


def _without_strings(data: bytes) -> bytes:
    """``data`` with its strings taken out, a few thousand strings at a time."""
    if b'"' not in data:
        return data
    pieces = []
    start = 0
    while run := _STRING_RUN.match(data, start):
        pieces.append(_STRING.sub(b"", data[start : run.end()]))
        start = run.end()
    pieces.append(_STRING.sub(b"", data[start:]))
    return b"".join(pieces)


def loads(text: str | bytes, what: str = "the answer") -> Any:
    """``json.loads`` within the budget: OverBudget (a ValueError) past it.

    Neither error holds the answer (a report keeps the error, and its traceback these
    frames): a JSONDecodeError's document is cut to :data:`KEPT_DOCUMENT` characters.
    """
    problem = over_budget(text, what)
    if problem is not None:
        del text  # as in check
        raise OverBudget(problem)
    failure: ValueError
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        failure = _cut_document(exc)
    except RecursionError:  # not reached within MAX_DEPTH; a last guard
        failure = OverBudget(f"{what} nests too deep for the harness to parse")
    del text
    raise failure  # outside the handler: no context holding the first error's frames


#: Characters of a document a JSONDecodeError keeps (schemathesis quotes some of it).
KEPT_DOCUMENT = 64 * 1024


def _cut_document(exc: json.JSONDecodeError) -> json.JSONDecodeError:
    """``exc`` with its document cut: the message, line and column stay those of the whole."""
    cut = json.JSONDecodeError(exc.msg, exc.doc[:KEPT_DOCUMENT], min(exc.pos, KEPT_DOCUMENT))
    cut.args, cut.pos, cut.lineno, cut.colno = exc.args, exc.pos, exc.lineno, exc.colno
    return cut
