"""The table printed at the end of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance.reporting.baseline import ACCEPTED_STATUS, console_lines
from conformance.reporting.markdown import STATUS_TEXT

STYLES = {
    "passed": "green",
    "failed": "red",
    "error": "magenta",
    "skipped": "yellow",
    "conformant": "bold green",
    "failures": "bold red",
    "unreachable": "bold magenta",
    ACCEPTED_STATUS: "bold yellow",
}


def _styled(status: str) -> Text:
    return Text(status, style=STYLES.get(status, "bold magenta"))


def print_summary(console: Console, summary: dict[str, Any], run_dir: Path) -> None:
    """Operations, workflows, totals and where the reports are."""
    if summary["operations"]:
        table = Table(title="Operations", title_justify="left")
        for column in ("operationId", "status", "held", "failed", "errors", "skipped"):
            table.add_column(column, justify="left" if column == "operationId" else "right")
        for op, entry in summary["operations"].items():
            checks = list(entry["checks"].values())
            table.add_row(
                Text(op),
                _styled(entry["status"]),
                str(checks.count("passed")),
                str(checks.count("failed")),
                str(checks.count("error")),
                str(checks.count("skipped")),
            )
        console.print(table)
    if summary["workflows"]:
        table = Table(title="Workflows", title_justify="left")
        table.add_column("workflowId")
        table.add_column("result")
        for wf, entry in summary["workflows"].items():
            result = _styled(entry["status"])
            if entry.get("failedStep"):
                result.append(f" at step {entry['failedStep']}")
            table.add_row(Text(wf), result)
        console.print(table)
    totals = summary["totals"]
    status = summary["status"]
    line = Text(STATUS_TEXT.get(status, status), style=STYLES.get(status, "bold magenta"))
    line.append("  ")
    line.append(f"{totals['passed']} passed", style="green")
    line.append(f", {totals['failed']} failed", style="red")
    line.append(f", {totals['errors']} errors", style="magenta")
    line.append(f", {totals['skipped']} skipped", style="yellow")
    line.append(f" in {summary['durationSeconds']:.1f} s")
    console.print(line)
    for baseline_line in console_lines(summary):
        # keys and paths stay on one line, to be copied
        console.print(Text(baseline_line), soft_wrap=True)
    if summary.get("error"):
        console.print(Text(f"error: {summary['error']}"))
    if summary.get("seed") is not None:
        console.print(Text(f"seed {summary['seed']} (replay with --seed {summary['seed']})"))
    console.print(
        Text(
            f"reports: {run_dir}  (summary.md, summary.json, junit.xml, "
            f"allure-results/; HTML: scv-conformance report {run_dir})"
        )
    )
