"""The sections a command's ``--help`` sorts its options into, and the exit codes it lists.

Every option names its section (:attr:`conformance.core.option_table.Option.section`, or
the ``section(...)`` an ``add_argument`` goes through); the sections appear in the order of
:data:`SECTIONS`, each only when the command has an option in it.
"""

from __future__ import annotations

import argparse
import textwrap
import weakref
from typing import Any

from conformance.core.errors import EXIT_CODE_MEANINGS

#: The width descriptions and epilogs are wrapped to (argparse's for an 80-column terminal).
WIDTH = 78

#: Section key -> its title in ``--help``, in the order the help shows them.
SECTIONS: dict[str, str] = {
    "target": "target (the appliance and how to reach it)",
    "emulator": "embedded emulator (what it plays when no --target is given)",
    "selection": "selection (what runs)",
    "verdicts": "verdicts (what answers are judged by)",
    "limits": "limits (time, load and failures)",
    "reports": "reports",
    "safety": "safety",
    "fleet": "fleet (many targets in one run)",
}

_GROUPS: weakref.WeakKeyDictionary[argparse.ArgumentParser, dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)


def section(parser: argparse.ArgumentParser, key: str) -> Any:
    """The argument group of section ``key`` in ``parser`` (argparse's ``_ArgumentGroup``:
    ``add_argument`` as on the parser). The first call makes every section, in order, so
    the help's order does not depend on which option was added first; argparse leaves an
    empty section out of the help. What is not an argparse parser (the pytest plugin's
    option group) is its own section."""
    if not isinstance(parser, argparse.ArgumentParser):
        return parser
    groups = _GROUPS.get(parser)
    if groups is None:
        groups = {name: parser.add_argument_group(title) for name, title in SECTIONS.items()}
        _GROUPS[parser] = groups
    return groups[key]


def exit_codes_epilog(meanings: dict[int, str] | None = None) -> str:
    """The ``exit codes:`` block a command's help ends with."""
    lines = ["exit codes:"]
    for code, meaning in (meanings or EXIT_CODE_MEANINGS).items():
        lines.append(
            textwrap.fill(
                meaning, WIDTH, initial_indent=f"  {int(code)}  ", subsequent_indent=" " * 5
            )
        )
    return "\n".join(lines)


def paragraph(text: str) -> str:
    """``text`` wrapped as argparse wraps help, for a description kept as written."""
    return textwrap.fill(text, WIDTH)
