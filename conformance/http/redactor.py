"""One matcher for every form of a set of secrets, whatever their number.

Text is read once into a *canonical* form: escapes undone (JSON and Python ``\\uXXXX``,
``\\xNN``, ``\\"``, ``\\'``, runs of backslashes, URL ``%XX``, HTML and XML entities, the
shell's ``'"'"'``, ``+`` for a space), line breaks (real or escaped, with the indentation
after them) dropped, letters lower-cased. A secret is put through the same reading,
and so is its hex and its base64 (standard and URL-safe, at the three alignments it can
have inside a longer base64 text). Every such canonical form goes into one Aho-Corasick
automaton (``pyahocorasick``), built once per set of secrets and rebuilt, in C, when a
token is issued; a text is then searched in one pass whatever the number of secrets, and
each match is mapped back to the span of the original text it came from.

Reading both sides the same way is what makes the forms compose: a password inside a
Python ``repr`` inside a JSON string inside a shell-quoted curl argument reads as the
password. It may also find a little more than was written (``a+b`` where the secret is
``a b``): a report loses a few characters, a secret never leaks.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import threading
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import unquote

import ahocorasick

REDACTED = "[REDACTED]"
#: A canonical form shorter than this is not looked for inside other text.
MIN_FORM_LENGTH = 4
#: A base64 or hex form shorter than this is not looked for (a short one is found by chance
#: inside any long base64 text).
MIN_ENCODED_LENGTH = 8

#: One escape, entity or line break of the original text, read as one unit.
_UNIT = re.compile(
    r"""
    (?=[\\%&'+\r\n])  # a first character to look for: plain text is skipped in C
    (?:
    (?P<pair>\\{1,16}u[dD][89abAB][0-9a-fA-F]{2}\\{1,16}u[dD][c-fC-F][0-9a-fA-F]{2})
  | (?P<u>\\{1,16}u[0-9a-fA-F]{4})
  | (?P<U>\\{1,16}U[0-9a-fA-F]{8})
  | (?P<x>\\{1,16}x[0-9a-fA-F]{2})
  | (?P<shell>'\\{0,16}"'\\{0,16}"'|'\\'')
  | (?P<break>(?:\\{1,16}r)?\\{1,16}n[ \t]{0,32}|\\{1,16}r
      |\r?\n[ \t]{0,32}|\r|&\#(?:10|13|x[aAdD]);[ \t]{0,32})
  | (?P<quote>\\{1,16}['"/`])
  | (?P<tab>\\{1,16}t)
  | (?P<backslash>\\{1,16})
  | (?P<percent>(?:%[0-9a-fA-F]{2}){1,24})
  | (?P<entity>&(?:\#[0-9]{1,7}|\#[xX][0-9a-fA-F]{1,6}|amp|lt|gt|quot|apos);)
  | (?P<plus>\+)
    )
    """,
    re.VERBOSE,
)


@lru_cache(maxsize=1)
def _one_letter_lower() -> dict[int, int]:
    """Lower case for the letters whose lower case is one letter (``İ``'s is two)."""
    return {
        code: ord(lower)
        for code in range(0x10000)
        if len(lower := chr(code).lower()) == 1 and lower != chr(code)
    }


def _lower(text: str) -> str:
    """``text`` in lower case, as long as it was: positions map one to one."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_one_letter_lower())


#: A character that may begin a unit.
_SPECIAL = re.compile(r"[\\%&'+\r\n]")
#: How many times what an escape stands for is read again (``%255C`` is ``%5C``, a backslash).
_MAX_DEPTH = 3
#: The longest stretch of original text one canonical character may come from.
_UNIT_SPAN = 128


def _unit_text(kind: str, raw: str, depth: int) -> str:
    """What one unit of ``_UNIT`` reads as; what an escape stands for is read in turn
    (``%5C`` is a backslash, read as one)."""
    if kind == "break":
        return ""
    if kind == "backslash":
        return ""  # nobody can tell an escaping backslash from one of the secret's
    if kind == "quote":
        return raw[-1]
    if kind == "tab":
        return "\t"
    if kind == "shell":
        return "'"
    if kind == "plus":
        return " "  # a space in a form-encoded value
    if kind == "pair":
        high, low = (int(part[:4], 16) for part in raw.replace("\\", "").split("u")[1:])
        decoded = chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    elif kind == "percent":
        decoded = unquote(raw, errors="replace")
    elif kind == "entity":
        decoded = html.unescape(raw)
    else:  # u, U, x
        value = int(raw.lstrip("\\")[1:], 16)
        decoded = chr(value) if value <= 0x10FFFF else ""
    if depth < _MAX_DEPTH and _SPECIAL.search(decoded):
        return _read(decoded, depth + 1)
    return decoded


@lru_cache(maxsize=4096)
def _read_unit(raw: str) -> str:
    """What one unit reads as (the same few units recur: line breaks, escaped quotes)."""
    match = _UNIT.fullmatch(raw)
    assert match is not None and match.lastgroup is not None
    return _unit_text(match.lastgroup, raw, 0)


def _read(text: str, depth: int) -> str:
    """The canonical reading of ``text`` without the way back (for what a unit stands for)."""
    return _UNIT.sub(lambda m: _unit_text(m.lastgroup or "", m.group(), depth), text)


class Canonical:
    """The canonical reading of one text, and the way back to the original's positions."""

    __slots__ = ("_linear", "_raw", "_starts", "raw_length", "text")

    def __init__(self, text: str) -> None:
        self.raw_length = len(text)
        #: per segment: its canonical start, its original start, whether it maps 1:1
        starts: list[int] = []
        raws: list[int] = []
        linear: list[bool] = []
        pieces: list[str] = []
        canonical = last = 0
        for match in _UNIT.finditer(text):
            start, end = match.span()
            if start > last:
                starts.append(canonical)
                raws.append(last)
                linear.append(True)
                pieces.append(text[last:start])
                canonical += start - last
            read = _read_unit(match.group())
            starts.append(canonical)
            raws.append(start)
            linear.append(False)
            pieces.append(read)
            canonical += len(read)
            last = end
        if last < len(text) or not starts:
            starts.append(canonical)
            raws.append(last)
            linear.append(True)
            pieces.append(text[last:])
        self._starts, self._raw, self._linear = starts, raws, linear
        self.text = _lower("".join(pieces))

    def start(self, position: int) -> int:
        """The original position a match starting at canonical ``position`` starts at."""
        k = bisect_right(self._starts, position) - 1
        if self._linear[k]:
            return self._raw[k] + position - self._starts[k]
        return self._raw[k]

    def end(self, position: int) -> int:
        """The original position a match ending before canonical ``position`` ends at."""
        k = bisect_right(self._starts, position - 1) - 1
        if self._linear[k]:
            return self._raw[k] + position - self._starts[k]
        return self._raw[k + 1] if k + 1 < len(self._raw) else self.raw_length


def canonical(text: str) -> str:
    """The canonical reading of ``text`` (see the module's description)."""
    return Canonical(text).text


def _base64_cores(data: bytes) -> set[str]:
    """The characters of ``data``'s base64 that are the same wherever it starts in a longer
    base64 text: at each of the three alignments, only the characters made of ``data``'s
    bits alone; in the standard and the URL-safe alphabet."""
    cores = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data + b"\0\0").decode("ascii")
        first = -(-8 * offset // 6)  # the first character of data's bits only
        last = 8 * (offset + len(data)) // 6
        core = encoded[first:last]
        cores |= {core, core.replace("+", "-").replace("/", "_")}
    return cores


def literal(text: str) -> str:
    """``text`` read as if each of its characters had been escaped: what the canonical
    reading makes of a secret written in a form that escapes them all (URL-encoded, say),
    where its own backslash or ``%`` stands for nothing else."""
    read = "".join(_read(c, _MAX_DEPTH) if _SPECIAL.match(c) else c for c in text)
    return _lower(read)


@lru_cache(maxsize=4096)
def secret_forms(secret: str) -> frozenset[str]:
    """The canonical forms ``secret`` is looked for in: itself (as text that may hold
    escapes, and as characters each escaped), its hex and its base64."""
    forms = {canonical(secret), literal(secret)}
    data = secret.encode("utf-8")
    encoded = {binascii.hexlify(data).decode("ascii"), *_base64_cores(data)}
    forms |= {canonical(e) for e in encoded if len(e) >= MIN_ENCODED_LENGTH}
    return frozenset(form for form in forms if len(form) >= MIN_FORM_LENGTH)


class Redactor:
    """Finds and replaces every form of a set of secrets; thread-safe, grows as told.

    Secrets shorter than :data:`MIN_FORM_LENGTH` are not looked for inside other text (a
    one-letter password would mangle every word holding that letter); they are kept out
    only as whole values of secret fields and headers.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()
        self._automaton: ahocorasick.Automaton | None = None
        self._longest = 0
        self._forms: frozenset[str] = frozenset()
        self.add(secrets)

    @property
    def secrets(self) -> frozenset[str]:
        return self._secrets

    def add(self, secrets: Iterable[str]) -> bool:
        """Look for ``secrets`` too; True when one of them is new."""
        new = {s for s in secrets if s and s not in self._secrets}
        if not new:
            return False
        with self._lock:
            new -= self._secrets
            if not new:
                return False
            every = self._secrets | new
            # the forms of the secrets known already are kept; the automaton is rebuilt
            forms = self._forms | {form for secret in new for form in secret_forms(secret)}
            automaton: ahocorasick.Automaton | None = None
            if forms:
                automaton = ahocorasick.Automaton()
                for form in forms:
                    automaton.add_word(form, len(form))
                automaton.make_automaton()
            # readers keep the automaton they took; the new one replaces it whole
            self._automaton = automaton
            self._longest = max((len(f) for f in forms), default=0)
            self._secrets = every
            self._forms = forms
        return True

    def __bool__(self) -> bool:
        """False when there is nothing to look for."""
        return self._automaton is not None

    @property
    def reach(self) -> int:
        """The most original characters one match may span (for reading in chunks)."""
        return (self._longest + 1) * _UNIT_SPAN if self._longest else 0

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The spans of ``text`` that hold a secret, in order, overlaps merged."""
        automaton = self._automaton
        if automaton is None or not text:
            return []
        reading = Canonical(text)
        found: list[tuple[int, int]] = []
        for end, length in automaton.iter(reading.text):
            start = end + 1 - length
            found.append((reading.start(start), reading.end(end + 1)))
        if not found:
            return []
        found.sort()
        merged = [found[0]]
        for start, end in found[1:]:
            if start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def redact(self, text: str) -> str:
        """``text`` with every form of every secret replaced by :data:`REDACTED`."""
        spans = self.spans(text)
        if not spans:
            return text
        pieces = []
        last = 0
        for start, end in spans:
            pieces.append(text[last:start])
            pieces.append(REDACTED)
            last = end
        pieces.append(text[last:])
        return "".join(pieces)
