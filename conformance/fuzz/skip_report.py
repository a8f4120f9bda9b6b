"""What the fuzzing suite left out against a target, and why; written next to the results."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from conformance.core.context import RunContext
from conformance.core.selection import Selection
from conformance.core.skips import SkipKind

SKIPS_FILE = "fuzz-skips.json"


@dataclass(frozen=True)
class LeftOut:
    """An operation the run did not exercise."""

    operationId: str
    kind: SkipKind  # version or safety
    reason: str


def left_out(context: RunContext, selection: Selection | None = None) -> list[LeftOut]:
    """Every selected operation of the contract that must not run against the target."""
    entries = []
    for op in context.contract.operations:
        if selection is not None and not selection.selects_operation(op):
            continue
        skip = context.skip(op)
        if skip is not None:
            entries.append(LeftOut(op.operation_id, skip.kind, skip.text))
    return entries


def write(directory: Path, context: RunContext, entries: list[LeftOut]) -> Path:
    """Write ``fuzz-skips.json`` into ``directory`` atomically; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SKIPS_FILE
    document = {
        "target": context.target.base_url,
        "release": context.release,
        "destructive_allowed": context.destructive_allowed,
        "left_out": [asdict(e) for e in entries],
    }
    temporary = path.with_name(f".{SKIPS_FILE}.{os.getpid()}")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path
