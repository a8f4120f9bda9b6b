"""summary.md: the summary for people, ready to paste into a ticket."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from conformance.reporting import coverage
from conformance.reporting.baseline import ACCEPTED_STATUS, render_markdown
from conformance.reporting.custody_report import custody_markdown
from conformance.reporting.summary import BUSY, PREFLIGHT_FAILED

STATUS_TEXT = {
    "conformant": "CONFORMANT: every check that ran held",
    "failures": "NOT CONFORMANT: conformance failures",
    "error": "INCOMPLETE: infrastructure or harness errors",
    "unreachable": "NOT RUN: the target was unreachable",
    "interrupted": "INTERRUPTED: the run did not finish",
    PREFLIGHT_FAILED: "NOT RUN: the preflight failed",
    BUSY: "NOT RUN: another destructive run holds the appliance",
    ACCEPTED_STATUS: "ACCEPTED: every conformance failure is a known one in the baseline",
}
FAILURE_LIMIT = 50
#: How each kind of skip is told in the headline.
SKIP_PHRASES = {
    "safety": "read-only: {n} safety skips",
    "version": "{n} not in the appliance's release",
    "inventory": "{n} need inventory names",
    "not_applicable": "{n} not applicable",
}


def headline(summary: dict[str, Any]) -> str:
    """The verdict, and what was not checked: ``CONFORMANT — 52% of checks skipped
    (read-only: 310 safety skips)``."""
    text = status_text(summary)
    totals = summary["totals"]
    skipped, total = totals["skipped"], totals["total"]
    notes = []
    if skipped and total:
        kinds = Counter(entry.get("kind") or "other" for entry in summary.get("skipped", []))
        phrases = dict(SKIP_PHRASES)
        if summary.get("custody") is not None:
            # a destructive run (custody read the state): what safety left alone is what
            # no run may change on a real appliance, not what a read-only run leaves
            phrases["safety"] = "{n} safety skips"
        reasons = [
            phrases.get(kind, "{n} for other reasons").format(n=count)
            for kind, count in kinds.most_common()
        ]
        share = 100 * skipped / total
        notes.append(f"{share:.0f}% of checks skipped ({', '.join(reasons)})")
    if summary.get("selection"):
        notes.append("narrowed by " + ", ".join(_flags(summary["selection"])))
    return " — ".join([text, *notes])


def _flags(selection: dict[str, list[str]]) -> list[str]:
    return [
        "--only" if name == "workflows" else f"--{name.replace('_', '-')}" for name in selection
    ]


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
        f"**{headline(summary)}** (exit code {summary.get('exitCode')})",
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
    if summary.get("interrupted"):
        lines += [f"**Interrupted** ({summary.get('interruption')}): {summary.get('error')}", ""]
    elif summary.get("error"):
        lines += ["## Error", "", f"    {summary['error']}", ""]
    leftovers = summary.get("leftovers") or []
    if leftovers:
        lines += ["## Left behind on the appliance", ""]
        lines += [
            f"- {_cell(i.get('workflowId'))} / {_cell(i.get('cleanupStep'))}: "
            f"`{_cell(i.get('request'))}`"
            for i in leftovers
        ]
        lines.append("")
    lines += custody_markdown(summary, _cell)
    other_runs = summary.get("other_runs") or []
    if other_runs:
        lines += ["## Other runs on this appliance", ""]
        lines += [f"- {_cell(run.get('message'))}" for run in other_runs]
        lines.append("")
    lines += _preflight(summary)
    for error in summary.get("collectionErrors", []):
        lines += [f"- collection error: `{_cell(error)}`"]
    lines += render_markdown(summary)
    lines += _operations(summary) + _workflows(summary) + _failures(summary)
    lines += deviation_section(summary)
    if summary.get("coverage"):
        lines += coverage.render_markdown(summary["coverage"])
    if summary.get("replay") or summary.get("seed") is not None:
        replay = summary.get("replay") or (
            f"scv-conformance run --profile {summary['profile']} --seed {summary['seed']}"
        )
        lines += ["## Replay", "", "```", replay, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _preflight(summary: dict[str, Any]) -> list[str]:
    preflight = summary.get("preflight")
    if not preflight:
        return []
    if not preflight.get("passed"):
        check = preflight["failedCheck"]
        return ["## Preflight", "", f"The check `{check}` stopped the run: nothing was tested.", ""]
    return ["## Preflight", "", *(f"- {_cell(note)}" for note in preflight["notes"]), ""]


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
    if summary.get("tokenCommand") and any(f.get("reproduce") for f in failures):
        lines += [
            "The curl commands read a token from `$SCV_TOKEN`; with the password in "
            "`$SCV_PASSWORD`, this sets it:",
            "",
            "```sh",
            summary["tokenCommand"],
            "```",
            "",
        ]
    return lines + _entries(failures, _failure_kind)


def _failure_kind(failure: Mapping[str, Any]) -> str:
    accepted = " (accepted by the baseline)" if failure.get("accepted") else ""
    return f"{failure['status']}{accepted}"


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
    return lines + _entries(deviations, lambda _: "deviation")


def _entries(
    entries: Sequence[Mapping[str, Any]], kind: Callable[[Mapping[str, Any]], str]
) -> list[str]:
    """A heading (the entry's kind and where), the message and how to reproduce it, for
    each of the first entries; how many more there are."""
    lines: list[str] = []
    for entry in entries[:FAILURE_LIMIT]:
        subject = entry.get("operationId") or entry.get("workflowId")
        where = " / ".join(
            _cell(p) for p in (subject, entry.get("stepId"), entry.get("check")) if p
        )
        lines += [f"### {kind(entry)}: {where}", "", "```text", entry["message"] or "(no message)"]
        lines.append("```")
        # a fuzzing message already ends with its reproduce command: once is enough
        if entry.get("reproduce") and entry["reproduce"] not in (entry["message"] or ""):
            lines += ["", "Reproduce:", "", "```sh", entry["reproduce"], "```"]
        lines.append("")
    if len(entries) > FAILURE_LIMIT:
        lines += [f"… and {len(entries) - FAILURE_LIMIT} more (see summary.json).", ""]
    return lines
