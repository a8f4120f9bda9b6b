"""Why a test did not run: a kind the reports sort by, and a sentence for people.

The kind travels in the skip message as a ``[kind]`` tag in front of the text (Allure
categories can only match messages) and as the ``skip_kind`` property of the item; the
reports read the kind, never the prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class SkipKind(StrEnum):
    """The reasons a test is left out."""

    #: The operation or workflow is newer than the target's release.
    VERSION = "version"
    #: It changes appliance state and --allow-destructive was not given.
    SAFETY = "safety"
    #: It needs inventory names the configuration does not give.
    INVENTORY = "inventory"
    #: The check judged nothing: no case it applies to.
    NOT_APPLICABLE = "not_applicable"


#: The item property (and, prefixed, Allure label) that carries the kind.
SKIP_KIND_PROPERTY = "skip_kind"

_TAGGED = re.compile(r"^(?:Skipped: )?\[(?P<kind>[a-z_]+)\] (?P<text>[\s\S]*)$")


@dataclass(frozen=True)
class Skip:
    """A skip: its kind and what to tell the user."""

    kind: SkipKind
    text: str

    @property
    def message(self) -> str:
        """The text with the kind's tag in front: what pytest and Allure record."""
        return f"{tag(self.kind)} {self.text}"


def tag(kind: SkipKind) -> str:
    """``[kind]``, the tag a skip message starts with."""
    return f"[{kind.value}]"


def parse(message: str) -> Skip | None:
    """The skip a recorded message carries (``Skipped: `` or not), or None if untagged."""
    match = _TAGGED.match(message.strip())
    if match is None:
        return None
    try:
        kind = SkipKind(match["kind"])
    except ValueError:
        return None
    return Skip(kind, match["text"].strip())
