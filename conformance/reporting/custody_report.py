"""summary.json's ``custody`` (a destructive run's account of the appliance) for people:
a section of summary.md and one console line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def custody_line(summary: Mapping[str, Any]) -> str | None:
    """One console line: was the appliance left as it was found?"""
    custody = summary.get("custody")
    if not isinstance(custody, Mapping):
        return None
    if custody.get("error"):
        return f"appliance state: {custody['error']}"
    effects = len(custody.get("sideEffects") or [])
    tail = f"; {effects} side effect{'s' if effects != 1 else ''} (summary.md)" if effects else ""
    if custody.get("equal"):
        return f"appliance state: as found at the start{tail}"
    differences = len(custody.get("differences") or [])
    return (
        f"appliance state: {differences} difference{'s' if differences != 1 else ''} from the "
        f"start (summary.md, state-before.json, state-after.json){tail}"
    )


def custody_markdown(summary: Mapping[str, Any], cell: Any) -> list[str]:
    """The ``Appliance state`` section; ``cell`` escapes text for a Markdown line."""
    custody = summary.get("custody")
    if not isinstance(custody, Mapping):
        return []
    lines = ["## Appliance state", ""]
    if custody.get("error"):
        return [*lines, f"- {cell(custody['error'])}", ""]
    if custody.get("equal"):
        lines.append(
            "The state read at the end (storage systems, policies, resource groups, schedules, "
            "audit configuration, vCenter VMs, datastores and disks) equals the state read at "
            "the start."
        )
    else:
        lines.append("The state read at the end differs from the state read at the start:")
        lines.append("")
        lines += [
            f"- {cell(d.get('message'))} ({cell(d.get('why'))})"
            for d in custody.get("differences") or []
        ]
    removed = custody.get("removed") or {}
    written = custody.get("writtenBack") or {}
    lines += [
        "",
        f"Removed {len(removed.get('done') or [])} item(s) the run made; wrote back "
        f"{len(written.get('done') or [])} setting(s) it had changed.",
    ]
    failed = [*(removed.get("failed") or []), *(written.get("failed") or [])]
    if failed:
        lines += ["", "Not put back:", ""] + [f"- `{cell(f)}`" for f in failed]
    effects = custody.get("sideEffects") or []
    if effects:
        lines += ["", "Side effects (not undone through the API):", ""]
        lines += [f"- {cell(e.get('message'))}" for e in effects]
    return [*lines, ""]
