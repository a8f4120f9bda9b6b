"""The table printed at the end of a run."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance.reporting.baseline import ACCEPTED_STATUS, console_lines
from conformance.reporting.coverage import coverage_line
from conformance.reporting.custody_report import custody_line
from conformance.reporting.markdown import headline

#: Failures shown in full on the console; the rest are in summary.md and summary.json.
FAILURE_LIMIT = 20
#: Lines of a failure's message shown on the console.
MESSAGE_LINES = 12

STYLES = {
    "passed": "green",
    "failed": "red",
    "error": "magenta",
    "skipped": "yellow",
    "conformant": "bold green",
    "failures": "bold red",
    "unreachable": "bold magenta",
    "interrupted": "bold magenta",
    ACCEPTED_STATUS: "bold yellow",
}


def _styled(status: str) -> Text:
    return Text(status, style=STYLES.get(status, "bold magenta"))


def print_summary(
    console: Console, summary: dict[str, Any], run_dir: Path, sealed: bool = False
) -> None:
    """Operations, workflows, totals and where the reports are (``sealed``: ``run_dir`` is
    a bundle that is about to be sealed, whose HTML report is made from a copy)."""
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
    print_failures(console, summary)
    totals = summary["totals"]
    status = summary["status"]
    line = Text(headline(summary), style=STYLES.get(status, "bold magenta"))
    line.append("  ")
    line.append(f"{totals['passed']} passed", style="green")
    line.append(f", {totals['failed']} failed", style="red")
    line.append(f", {totals['errors']} errors", style="magenta")
    line.append(f", {totals['skipped']} skipped", style="yellow")
    line.append(f" in {summary['durationSeconds']:.1f} s")
    console.print(line)
    for deviation_line in deviation_lines(summary):
        console.print(Text(deviation_line), soft_wrap=True)
    for baseline_line in console_lines(summary):
        # keys and paths stay on one line, to be copied
        console.print(Text(baseline_line), soft_wrap=True)
    if summary.get("interrupted"):
        console.print(Text(f"interrupted ({summary.get('interruption')}): {summary.get('error')}"))
    elif summary.get("error"):
        # the reason stays one line, to be read and grepped whole
        console.print(Text(f"error: {summary['error']}"), soft_wrap=True)
    for item in summary.get("leftovers") or []:
        console.print(
            Text(
                f"left behind: {item.get('workflowId')} / {item.get('cleanupStep')}: "
                f"{item.get('request')}"
            )
        )
    custody = custody_line(summary)
    if custody is not None:
        console.print(Text(custody), soft_wrap=True)
    if summary.get("coverage") and summary["totals"]["total"]:
        console.print(Text(f"coverage: {coverage_line(summary['coverage'])}"))
    if summary.get("replay"):
        console.print(Text(f"replay: {summary['replay']}"), soft_wrap=True)
    elif summary.get("seed") is not None:
        console.print(Text(f"seed {summary['seed']} (replay with --seed {summary['seed']})"))
    console.print(
        Text(f"reports: {run_dir}  (summary.md, summary.json, junit.xml, allure-results/)")
    )
    # commands on lines of their own, never wrapped, so they can be copied
    report = f"scv-conformance report {run_dir}"
    if sealed:
        # the report adds files to the folder, which --verify would name as tampering
        bundle, copy = shlex.quote(str(run_dir)), shlex.quote(f"{run_dir}-report")
        report = (
            f"cp -r {bundle} {copy} && scv-conformance report {copy}"
            "   # a copy: the bundle stays as sealed"
        )
    console.print(Text(f"HTML report: {report}"), soft_wrap=True)


def print_failures(console: Console, summary: dict[str, Any]) -> None:
    """Each failure and error: where (check, operation or workflow step), what, and the
    command that reproduces it, as ``st run`` shows them."""
    failures = summary.get("failures") or []
    if not failures:
        return
    console.rule(Text("Failures and errors", style="bold"), characters="=")
    for failure in failures[:FAILURE_LIMIT]:
        console.rule(Text(_where(failure), style=STYLES.get(failure["status"], "")))
        lines = (failure.get("message") or "(no message)").splitlines()
        # the reproducing command is shown whole below, not cut off with the message
        cut = next((i for i, ln in enumerate(lines) if ln.startswith("Reproduce")), len(lines))
        lines = lines[:cut]
        while lines and not lines[-1].strip():
            lines.pop()
        shown = lines[:MESSAGE_LINES]
        if len(lines) > MESSAGE_LINES:
            shown.append(f"… {len(lines) - MESSAGE_LINES} more lines in summary.md")
        console.print(Text("\n".join(shown)))
        if failure.get("reproduce"):
            console.print(Text("Reproduce:", style="bold"))
            console.print(Text(f"  {failure['reproduce']}"), soft_wrap=True)
    if len(failures) > FAILURE_LIMIT:
        console.print(Text(f"… and {len(failures) - FAILURE_LIMIT} more in summary.md"))
    if summary.get("tokenCommand") and any(f.get("reproduce") for f in failures):
        console.print(
            Text(
                "The curl commands need a token in $SCV_TOKEN; with the password in $SCV_PASSWORD:",
                style="bold",
            )
        )
        console.print(Text(f"  {summary['tokenCommand']}"), soft_wrap=True)
    console.rule(characters="=")


def _where(failure: dict[str, Any]) -> str:
    """``failed: createPolicy · status_code_conformance`` or ``error: workflow restoreVm ·
    step mount · check ...``."""
    if failure.get("operationId"):
        parts = [failure["operationId"], failure.get("check")]
    else:
        step = failure.get("stepId")
        check = failure.get("check")
        parts = [
            f"workflow {failure.get('workflowId')}",
            f"step {step}" if step else None,
            f"check {check}" if check else None,
        ]
    return f"{failure['status']}: " + " · ".join(p for p in parts if p)


#: Characters of a deviation's message shown on its console line.
LINE_LIMIT = 140


def deviation_lines(summary: dict[str, Any]) -> list[str]:
    """One line per deviation from our assumptions, under a line that says what they mean."""
    deviations = summary.get("deviations") or []
    if not deviations:
        return []
    meaning = "failing the run (--strict)" if summary.get("strict") else "not failures"
    lines = [f"{len(deviations)} deviations from our assumptions ({meaning}):"]
    for entry in deviations:
        subject = entry.get("operationId") or entry.get("workflowId")
        where = " / ".join(str(p) for p in (subject, entry.get("stepId"), entry.get("check")) if p)
        first = ((entry.get("message") or "").strip().splitlines() or [""])[0]
        first = first.removeprefix(f"{subject}: ")
        first = first if len(first) <= LINE_LIMIT else first[:LINE_LIMIT] + " …"
        lines.append(f"  deviation: {where}: {first}")
    return lines
