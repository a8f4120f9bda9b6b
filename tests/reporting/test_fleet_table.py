"""The fleet's tables (console and fleet-summary.md): skips are shown, and a run that
checked nothing does not read as proof of conformance."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from conformance.reporting.merge import render_summary, shown_status
from conformance.run.fleet import _print_table

pytestmark = pytest.mark.unit


def _row(name: str, passed: int, failed: int, skipped: int, status: str) -> dict[str, Any]:
    return {
        "name": name,
        "status": status,
        "exitCode": 1 if failed else 0,
        "applianceVersion": "6.2",
        "totals": {"passed": passed, "failed": failed, "errors": 0, "skipped": skipped},
    }


ROWS = [
    _row("lab-a", 472, 0, 440, "conformant"),
    _row("lab-b", 0, 0, 912, "conformant"),
    _row("lab-c", 3, 2, 0, "failures"),
]


def test_a_conformant_run_that_checked_nothing_says_so() -> None:
    assert shown_status(ROWS[0]) == "conformant"
    assert shown_status(ROWS[1]) == "conformant, nothing checked (912 skipped)"
    assert shown_status(ROWS[2]) == "failures"


def test_the_console_table_has_a_skipped_column() -> None:
    out = io.StringIO()
    _print_table(Console(file=out, width=200), ROWS, Path("reports/fleet"))
    (heading,) = [line for line in out.getvalue().splitlines() if "┃" in line]
    lines = [line for line in out.getvalue().splitlines() if "│" in line]
    header = [cell.strip() for cell in heading.split("┃")[1:-1]]
    assert header[-1] == "skipped"
    lab_a = next(line for line in lines if "lab-a" in line)
    assert [cell.strip() for cell in lab_a.split("│")[1:-1]][-1] == "440"
    assert "nothing checked" in next(line for line in lines if "lab-b" in line)


def test_fleet_summary_md_says_the_same() -> None:
    text = render_summary(ROWS, "fleet")
    assert "| conformant, nothing checked (912 skipped) |" in text
