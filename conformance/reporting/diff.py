"""`scv-conformance diff BEFORE AFTER`: what changed between two runs.

The upgrade question: run before, run after, and compare the two ``summary.json``. Every
check of every operation and every workflow is compared; a check or workflow that held
before and fails after is a regression.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.core.errors import ExitCode, UsageError

#: Statuses that count as holding and as failing.
HELD = frozenset({"passed"})
BROKEN = frozenset({"failed", "error", "broken"})


@dataclass(frozen=True)
class Change:
    """One check of an operation, or one workflow, whose status differs between runs."""

    subject: str
    detail: str
    before: str
    after: str

    @property
    def kind(self) -> str:
        if self.before in HELD and self.after in BROKEN:
            return "regression"
        if self.before in BROKEN and self.after in HELD:
            return "fixed"
        return "changed"


@dataclass(frozen=True)
class RunDiff:
    """The differences between two runs' summaries."""

    before: dict[str, Any]
    after: dict[str, Any]
    changes: list[Change]

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.kind == "regression"]

    @property
    def contract_changed(self) -> bool:
        return bool(self.before["contract"]["sha256"] != self.after["contract"]["sha256"])


def load_summary(path: str | Path) -> dict[str, Any]:
    """The summary of a run folder, or of a summary.json given directly."""
    candidate = Path(path)
    file = candidate / "summary.json" if candidate.is_dir() else candidate
    try:
        summary = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"diff: no summary.json at {file}") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"diff: {file} is not a readable summary.json: {exc}") from None
    if not isinstance(summary, dict) or not {"operations", "workflows", "contract"} <= set(summary):
        raise UsageError(f"diff: {file} is not the summary.json of a run")
    return summary


def compare(before: dict[str, Any], after: dict[str, Any]) -> RunDiff:
    """Every operation check and workflow whose status is not the same in both runs."""
    changes: list[Change] = []
    checks_before = _operation_checks(before)
    checks_after = _operation_checks(after)
    for key in sorted(checks_before.keys() | checks_after.keys()):
        old, new = checks_before.get(key, "absent"), checks_after.get(key, "absent")
        if old != new:
            changes.append(Change(key[0], key[1], old, new))
    workflows_before = _workflows(before)
    workflows_after = _workflows(after)
    for name in sorted(workflows_before.keys() | workflows_after.keys()):
        old_status, old_step = workflows_before.get(name, ("absent", None))
        new_status, new_step = workflows_after.get(name, ("absent", None))
        if old_status != new_status or old_step != new_step:
            step = new_step or old_step
            changes.append(
                Change(
                    name, f"workflow (step {step})" if step else "workflow", old_status, new_status
                )
            )
    return RunDiff(before, after, changes)


def render(diff: RunDiff) -> str:
    """The differences for people, as Markdown ready to paste into a ticket."""
    before, after = diff.before, diff.after
    lines = [
        "# SCV conformance: what changed",
        "",
        "| | before | after |",
        "|---|---|---|",
        f"| Appliance version | {before.get('applianceVersion')} | "
        f"{after.get('applianceVersion')} |",
        f"| Started (UTC) | {before.get('startTime')} | {after.get('startTime')} |",
        f"| Status | {before.get('status')} | {after.get('status')} |",
        f"| Contract sha256 | `{before['contract']['sha256'][:12]}` | "
        f"`{after['contract']['sha256'][:12]}` |",
        "",
    ]
    if diff.contract_changed:
        lines += ["The runs used different contracts: some changes may come from the contract.", ""]
    if not diff.changes:
        lines.append("No check and no workflow changed status.")
        return "\n".join(lines) + "\n"
    counts = {
        kind: sum(1 for c in diff.changes if c.kind == kind)
        for kind in ("regression", "fixed", "changed")
    }
    lines += [
        f"{counts['regression']} regressions, {counts['fixed']} fixed, "
        f"{counts['changed']} other changes.",
        "",
        "| | operation or workflow | check | before | after |",
        "|---|---|---|---|---|",
    ]
    order = {"regression": 0, "fixed": 1, "changed": 2}
    for change in sorted(diff.changes, key=lambda c: (order[c.kind], c.subject, c.detail)):
        lines.append(
            f"| {change.kind} | {change.subject} | {change.detail} | "
            f"{change.before} | {change.after} |"
        )
    return "\n".join(lines) + "\n"


def run_diff(before_path: str, after_path: str) -> int:
    """Print the differences; exit 1 when something that held before fails now."""
    diff = compare(load_summary(before_path), load_summary(after_path))
    print(render(diff), end="")
    return int(ExitCode.FAILURES if diff.regressions else ExitCode.CONFORMANT)


def _operation_checks(summary: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (operation, check): str(status)
        for operation, entry in summary["operations"].items()
        for check, status in entry.get("checks", {}).items()
    }


def _workflows(summary: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {
        name: (str(entry.get("status")), entry.get("failedStep"))
        for name, entry in summary["workflows"].items()
    }
