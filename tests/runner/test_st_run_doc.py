"""The docs' "Coming from `st run`" table names every option of the installed ``st run``:
each is ours under the same name, or said to be not applicable and why."""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "real-appliance.md"


def _section() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("## Coming from `st run`")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_every_st_run_option_is_in_the_table() -> None:
    st = Path(sys.executable).parent / "st"
    shown = subprocess.run(
        [str(st), "run", "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    options = set(re.findall(r"(?<![\w-])--[a-zA-Z][\w-]*", shown)) - {"--help"}
    assert len(options) > 40, options
    rows = [line for line in _section().splitlines() if line.startswith("| `")]
    named = {flag for row in rows for flag in re.findall(r"--[a-zA-Z][\w*-]*", row.split("|")[1])}
    missing = sorted(o for o in options if not any(fnmatch.fnmatch(o, n) for n in named))
    assert not missing, f"docs/real-appliance.md, Coming from st run: add {missing}"


def test_the_flags_the_table_says_are_ours_are() -> None:
    from conformance.cli import build_parser

    commands = next(a for a in build_parser()._actions if a.dest == "command")
    ours = {flag for a in commands.choices["run"]._actions for flag in a.option_strings}  # type: ignore[attr-defined]
    rows = [line.split("|") for line in _section().splitlines() if line.startswith("| `")]
    claimed = {
        flag
        for row in rows
        if not row[2].strip().startswith("not ")
        for flag in re.findall(r"`(--?[a-zA-Z][\w-]*)", row[2])
    }
    assert {"-n", "-w", "-H", "-c", "-m", "--phases", "--no-color"} <= claimed
    assert {"--report", "--exclude-checks", "--include-name-regex", "--mode"} <= ours
    assert claimed <= ours, claimed - ours
