"""Reading a run's ``observations.json``: what the appliance did, apart from the verdicts.

Per operation: the status codes seen per kind of input, the shape of each answer (field
paths and JSON types, never values) per status, and the latency; per workflow: outcome,
failing step and duration. ``diff`` compares two of them. Runs written before the file
existed have none; that is not an error, the comparison then covers the verdicts only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core.errors import ConfigError

FILE_NAME = "observations.json"
FORMAT = 1


@dataclass(frozen=True)
class Latency:
    """How long an operation took, in milliseconds."""

    count: int
    median: float
    p95: float


@dataclass(frozen=True)
class OperationObservation:
    """What one operation answered during a run."""

    status_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    shapes: dict[str, dict[str, str]] = field(default_factory=dict)
    latency: Latency | None = None

    @property
    def called(self) -> bool:
        """Whether the run reached the appliance with this operation at all."""
        if self.latency is not None and self.latency.count > 0:
            return True
        return any(sum(counts.values()) > 0 for counts in self.status_codes.values())


@dataclass(frozen=True)
class WorkflowObservation:
    """How one workflow went."""

    outcome: str
    failing_step: str | None
    duration_s: float | None


@dataclass(frozen=True)
class Observations:
    """The observations of one run."""

    operations: dict[str, OperationObservation]
    workflows: dict[str, WorkflowObservation]
    facts: dict[str, Any]


def load_observations(run: Path, command: str = "diff") -> Observations | None:
    """The observations beside a run's summary.json, or None when the run has none."""
    folder = run if run.is_dir() else run.parent
    file = folder / FILE_NAME
    if not file.exists():
        return None
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{command}: {file} is not readable JSON: {exc}") from None
    try:
        return parse_observations(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ConfigError(f"{command}: {file} is not an observations.json: {exc}") from None


def parse_observations(data: Any) -> Observations:
    """Validate and convert the JSON document (ValueError/TypeError when malformed)."""
    if not isinstance(data, dict):
        raise TypeError("not a JSON object")
    if data.get("format") != FORMAT:
        raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
    operations = {
        str(op): _operation(entry) for op, entry in _mapping(data.get("operations", {})).items()
    }
    workflows = {
        str(wf): WorkflowObservation(
            outcome=str(entry["outcome"]),
            failing_step=None if entry.get("failing_step") is None else str(entry["failing_step"]),
            duration_s=None if entry.get("duration_s") is None else float(entry["duration_s"]),
        )
        for wf, entry in _mapping(data.get("workflows", {})).items()
    }
    facts = {k: data.get(k) for k in ("target", "appliance_version", "profile", "seed")}
    return Observations(operations, workflows, facts)


def _operation(entry: Any) -> OperationObservation:
    entry = _mapping(entry)
    status_codes = {
        str(kind): {str(status): int(count) for status, count in _mapping(counts).items()}
        for kind, counts in _mapping(entry.get("status_codes", {})).items()
    }
    shapes = {
        str(status): {str(path): str(kind) for path, kind in _mapping(paths).items()}
        for status, paths in _mapping(entry.get("shapes", {})).items()
    }
    latency = None
    raw = entry.get("latency_ms")
    if raw is not None:
        raw = _mapping(raw)
        latency = Latency(
            count=int(raw.get("count", 0)),
            median=float(raw.get("median") or 0.0),
            p95=float(raw.get("p95") or 0.0),
        )
    return OperationObservation(status_codes, shapes, latency)


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value
