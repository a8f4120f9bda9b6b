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
        f"**{STATUS_TEXT.get(summary['status'], summary['status'])}** "
        f"(exit code {summary.get('exitCode')})",
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
        "",
    ]
    if summary.get("error"):
        lines += ["## Error", "", f"    {summary['error']}", ""]
    for error in summary.get("collectionErrors", []):
        lines += [f"- collection error: `{_cell(error)}`"]
    lines += render_markdown(summary)
    lines += _operations(summary) + _workflows(summary) + _failures(summary)
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
