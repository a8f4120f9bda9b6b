"""The outputs of `scv-conformance diff`: Markdown, ``diff.json`` and Allure results.

The Markdown goes to the console always; ``--out DIR`` also writes ``diff.md``,
``diff.json`` and ``allure-results/`` with one result per change (regressions failed,
every other change passed), so the comparison opens in the same Allure report as runs.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path
from typing import Any

from conformance.core.errors import ExitCode, UsageError
from conformance.reporting.atomic import write_json, write_text
from conformance.reporting.diff import (
    LATENCY_FLOOR_MS,
    LATENCY_THRESHOLD,
    Change,
    RunDiff,
    RunFacts,
    diff_runs,
    sorted_changes,
)
from conformance.reporting.metadata import write_metadata

PARENT_SUITE = "upgrade diff"


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def render(diff: RunDiff) -> str:
    """The differences for people, as Markdown ready to paste into a ticket."""
    before, after = diff.before, diff.after
    b = diff.before_facts
    a = diff.after_facts
    lines = ["# SCV conformance: what changed", "", "| | before | after |", "|---|---|---|"]
    if b is not None and a is not None:
        lines.append(f"| Run | {_cell(b.folder)} | {_cell(a.folder)} |")
    lines += [
        f"| Target | {_cell(before.get('target') or 'embedded emulator')} | "
        f"{_cell(after.get('target') or 'embedded emulator')} |",
        f"| Appliance version | {_cell(before.get('applianceVersion'))} | "
        f"{_cell(after.get('applianceVersion'))} |",
        f"| Profile | {_cell(before.get('profile'))} | {_cell(after.get('profile'))} |",
        f"| Seed | {_cell(before.get('seed'))} | {_cell(after.get('seed'))} |",
        f"| Started (UTC) | {_cell(before.get('startTime'))} | {_cell(after.get('startTime'))} |",
        f"| Status | {_cell(before.get('status'))} | {_cell(after.get('status'))} |",
        f"| Contract sha256 | `{before['contract']['sha256'][:12]}` | "
        f"`{after['contract']['sha256'][:12]}` |",
        "",
    ]
    if diff.contract_changed:
        lines += ["The runs used different contracts: some changes may come from the contract.", ""]
    if diff.scope_warnings:
        lines += [
            "**Warning: the runs differ in scope**; only what both ran is compared:",
            "",
            *[f"- {warning}" for warning in diff.scope_warnings],
            "",
        ]
    for note in diff.notes:
        lines += [f"Note: {note}.", ""]
    if not diff.changes:
        lines.append("No check and no workflow changed status.")
        return "\n".join(lines) + "\n"
    regressions = len(diff.regressions)
    fixed = sum(1 for c in diff.changes if c.kind in ("fixed", "healed"))
    others = len(diff.changes) - regressions - fixed
    lines += [
        f"{regressions} regressions, {fixed} fixed, {others} other changes.",
        "",
        "| | area | operation or workflow | check or detail | before | after |",
        "|---|---|---|---|---|---|",
    ]
    for change in sorted_changes(diff.changes):
        label = "regression" if change.regression and change.kind != "regression" else ""
        kind = f"{change.kind} ({label})" if label else change.kind
        lines.append(
            f"| {_cell(kind)} | {change.area} | {_cell(change.subject)} | "
            f"{_cell(change.detail)} | {_cell(change.before)} | {_cell(change.after)} |"
        )
    if diff.latency_threshold != LATENCY_THRESHOLD:
        lines += ["", f"Latency threshold: +{diff.latency_threshold:.0%} at p95."]
    return "\n".join(lines) + "\n"


def allure_result(change: Change, now_ms: int) -> dict[str, Any]:
    """One Allure result for one change: failed when it is a regression."""
    identity = f"diff|{change.area}|{change.subject}|{change.detail}"
    history = hashlib.md5(identity.encode(), usedforsecurity=False).hexdigest()
    message = f"{change.kind}: before {change.before}, after {change.after}"
    return {
        "uuid": str(uuid.uuid4()),
        "historyId": history,
        "testCaseId": history,
        "name": f"{change.kind}: {change.subject} {change.detail}",
        "fullName": identity,
        "status": "failed" if change.regression else "passed",
        "statusDetails": {"message": message},
        "stage": "finished",
        "start": now_ms,
        "stop": now_ms,
        "parameters": [
            {"name": "before", "value": change.before},
            {"name": "after", "value": change.after},
        ],
        "labels": [
            {"name": "parentSuite", "value": PARENT_SUITE},
            {"name": "suite", "value": change.area},
            {"name": "subSuite", "value": change.subject},
            {"name": "tag", "value": change.kind},
        ],
    }


def write_outputs(diff: RunDiff, out: Path) -> None:
    """diff.md, diff.json and allure-results/ under ``out``."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"diff: --out: cannot create {out}: {exc.strerror}") from None
    write_text(out / "diff.md", render(diff))
    write_json(out / "diff.json", diff.to_json())
    results = out / "allure-results"
    results.mkdir(exist_ok=True)
    for stale in results.glob("*-result.json"):
        stale.unlink()
    now_ms = int(time.time() * 1000)
    for change in diff.changes:
        result = allure_result(change, now_ms)
        write_json(results / f"{result['uuid']}-result.json", result)
    write_metadata(results, _environment(diff.before_facts, diff.after_facts))


def _environment(before: RunFacts | None, after: RunFacts | None) -> dict[str, object]:
    values: dict[str, object] = {}
    for name, facts in (("Before", before), ("After", after)):
        if facts is None:
            continue
        values[f"{name}.target"] = facts.target or "embedded emulator"
        values[f"{name}.appliance.version"] = facts.appliance_version or "unknown"
        values[f"{name}.profile"] = facts.profile
        values[f"{name}.seed"] = facts.seed
    return values


def run_diff(
    before_path: str,
    after_path: str,
    out: str | None = None,
    latency_threshold: float = LATENCY_THRESHOLD,
    latency_floor_ms: float = LATENCY_FLOOR_MS,
) -> int:
    """Print the differences (and write them under ``out``); 1 when something regressed."""
    diff = diff_runs(before_path, after_path, latency_threshold, latency_floor_ms)
    print(render(diff), end="")
    if out:
        write_outputs(diff, Path(out))
    return int(ExitCode.FAILURES if diff.regressions else ExitCode.CONFORMANT)
