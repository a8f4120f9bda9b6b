"""summary.md: the summary for people, ready to paste into a ticket."""

from __future__ import annotations

from typing import Any

from conformance.reporting.baseline import ACCEPTED_STATUS, render_markdown

STATUS_TEXT = {
    "conformant": "CONFORMANT: every check held",
    "failures": "NOT CONFORMANT: conformance failures",
    "error": "INCOMPLETE: infrastructure or harness errors",
    "unreachable": "NOT RUN: the target was unreachable",
    ACCEPTED_STATUS: "ACCEPTED: every conformance failure is a known one in the baseline",
}
FAILURE_LIMIT = 50


def status_text(summary: dict[str, Any]) -> str:
    """The verdict in words; a conformant run with deviations says how many."""
    status = summary["status"]
    deviations = len(summary.get("deviations") or [])
    if status == "conformant" and deviations:
        return f"CONFORMANT: no failures; {deviations} deviations from our assumptions"
    return STATUS_TEXT.get(status, status)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def render(summary: dict[str, Any]) -> str:
    """The Markdown text of a summary.json document."""
    totals = summary["totals"]
    contract = summary["contract"]
    lines = [
        "# SCV conformance run",
        "",
        f"**{status_text(summary)}** (exit code {summary.get('exitCode')})",
        "",
        "| | |",
        "|---|---|",
        f"| Target | {_cell(summary['target'] or 'embedded emulator')} |",
        f"| Appliance version | {_cell(summary['applianceVersion'] or 'unknown')} |",
        f"| Contract | {_cell(contract['path'])} v{_cell(contract['version'])} "
        f"(sha256 `{contract['sha256'][:12]}`) |",
        f"| Profile | {_cell(summary['profile'])} |",
        f"| Seed | {_cell(summary['seed'])} |",
        f"| Started (UTC) | {_cell(summary['startTime'])} |",
        f"| Duration | {summary['durationSeconds']:.1f} s |",
        f"| Tests | {totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['errors']} errors, {totals['skipped']} skipped |",
        f"| Deviations from our assumptions | {len(summary.get('deviations') or [])} "
        f"({'failing the run: --strict' if summary.get('strict') else 'not failing the run'}) |",
        "",
    ]
    if summary.get("error"):
        lines += ["## Error", "", f"    {summary['error']}", ""]
    for error in summary.get("collectionErrors", []):
        lines += [f"- collection error: `{_cell(error)}`"]
    lines += render_markdown(summary)
    lines += _operations(summary) + _workflows(summary) + _failures(summary)
    lines += deviation_section(summary)
    if summary.get("seed") is not None:
        lines += [
            "## Replay",
            "",
            "```",
            f"scv-conformance run --profile {summary['profile']} --seed {summary['seed']}",
            "```",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def _operations(summary: dict[str, Any]) -> list[str]:
    operations = summary["operations"]
    if not operations:
        return []
    lines = [
        "## Operations",
        "",
        "| operationId | status | held | failed | errors | skipped |",
        "|---|---|---|---|---|---|",
    ]
    for op, entry in operations.items():
        checks = list(entry["checks"].values())
        lines.append(
            f"| {_cell(op)} | {entry['status']} | {checks.count('passed')} | "
            f"{checks.count('failed')} | {checks.count('error')} | "
            f"{checks.count('skipped')} |"
        )
    return [*lines, ""]


def _workflows(summary: dict[str, Any]) -> list[str]:
    workflows = summary["workflows"]
    if not workflows:
        return []
    lines = ["## Workflows", "", "| workflowId | status | failed step |", "|---|---|---|"]
    for wf, entry in workflows.items():
        lines.append(f"| {_cell(wf)} | {entry['status']} | {_cell(entry['failedStep'] or '')} |")
    return [*lines, ""]


def _failures(summary: dict[str, Any]) -> list[str]:
    failures = summary["failures"]
    if not failures:
        return []
    lines = ["## Failures and errors", ""]
    for failure in failures[:FAILURE_LIMIT]:
        subject = failure.get("operationId") or failure.get("workflowId")
        where = " / ".join(
            _cell(p) for p in (subject, failure.get("stepId"), failure.get("check")) if p
        )
        accepted = " (accepted by the baseline)" if failure.get("accepted") else ""
        lines += [
            f"### {failure['status']}{accepted}: {where}",
            "",
            "```text",
            failure["message"] or "(no message)",
            "```",
        ]
        if failure.get("reproduce"):
            lines += ["", "Reproduce:", "", "```sh", failure["reproduce"], "```"]
        lines.append("")
    if len(failures) > FAILURE_LIMIT:
        lines += [f"… and {len(failures) - FAILURE_LIMIT} more (see summary.json).", ""]
    return lines


def deviation_section(summary: dict[str, Any]) -> list[str]:
    """Every deviation from our assumptions, with what reproduces it."""
    deviations = summary.get("deviations") or []
    if not deviations:
        return []
    consequence = (
        "Under --strict each one fails the run."
        if summary.get("strict")
        else "They do not fail the run (--strict makes them failures)."
    )
    lines = [
        "## Deviations from our assumptions",
        "",
        "The appliance contradicts only an assumption of the contract (`x-evidence: "
        "assumption`, see specs/README.md), not what the vendor documented or a client "
        f"proved. {consequence}",
        "",
    ]
    for entry in deviations[:FAILURE_LIMIT]:
        subject = entry.get("operationId") or entry.get("workflowId")
        where = " / ".join(
            _cell(p) for p in (subject, entry.get("stepId"), entry.get("check")) if p
        )
        lines += [f"### deviation: {where}", "", "```text", entry["message"] or "(no message)"]
        lines.append("```")
        if entry.get("reproduce"):
            lines += ["", "Reproduce:", "", "```sh", entry["reproduce"], "```"]
        lines.append("")
    if len(deviations) > FAILURE_LIMIT:
        lines += [f"… and {len(deviations) - FAILURE_LIMIT} more (see summary.json).", ""]
    return lines
