"""``observations.json``: what a run saw, for comparing runs (before and after an upgrade).

Per operation, the status codes seen per kind of input, the shape of each answer (field
paths and JSON types, never values) per status, and the latency; per workflow, its
outcome, failing step and duration; and the operations the appliance's own API description
lists (``described_operations``, from the preflight), so that an operation the run never
calls (one newer than the contract) still shows as added or gone. Built by streaming the
exchange logs once (only the latencies are kept, to take their median and 95th
percentile) and from the Allure results; read back by ``diff``. Runs written before the
file existed have none; that is not an error, the comparison then covers the verdicts only.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core.errors import UsageError
from conformance.core.inputs import load_json
from conformance.core.item_keys import SCENARIO
from conformance.http.recording import ExchangeRecord, log_files, merge_types, read_records
from conformance.reporting.allure_results import ResultRecord
from conformance.reporting.atomic import write_json
from conformance.reporting.summary import RunFacts

FORMAT = 1
OBSERVATIONS_FILE = "observations.json"
#: The status key of an exchange that got no answer.
NO_ANSWER = "none"


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of sorted ``values`` (``fraction`` 0.95 for p95)."""
    rank = max(1, math.ceil(fraction * len(values)))
    return values[rank - 1]


class _Operation:
    """What one operation's exchanges showed so far."""

    def __init__(self) -> None:
        self.status_codes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.shapes: dict[str, dict[str, str]] = defaultdict(dict)
        self.latencies: list[float] = []

    def add(self, record: ExchangeRecord) -> None:
        status = str(record.status) if record.status is not None else NO_ANSWER
        self.status_codes[record.kind][status] += 1
        if record.shape:
            shape = self.shapes[status]
            for path, types in record.shape.items():
                shape[path] = merge_types(shape.get(path, ""), types)
        if record.status is not None:
            self.latencies.append(record.elapsed_ms)

    def as_json(self) -> dict[str, Any]:
        values = sorted(self.latencies)
        latency: dict[str, Any] = {"count": len(values), "median": None, "p95": None}
        if values:
            latency["median"] = round(statistics.median(values), 1)
            latency["p95"] = round(percentile(values, 0.95), 1)
        codes = sorted(self.status_codes.items())
        shapes = sorted(self.shapes.items())
        return {
            "status_codes": {kind: dict(sorted(counts.items())) for kind, counts in codes},
            "shapes": {status: dict(sorted(shape.items())) for status, shape in shapes},
            "latency_ms": latency,
        }


def operation_observations(records: Iterable[ExchangeRecord]) -> dict[str, Any]:
    """The ``operations`` table from a stream of exchange records (unmatched ones left out)."""
    operations: dict[str, _Operation] = defaultdict(_Operation)
    for record in records:
        if record.operation_id is not None:
            operations[record.operation_id].add(record)
    return {op: operations[op].as_json() for op in sorted(operations)}


def workflow_observations(results: Iterable[ResultRecord]) -> dict[str, Any]:
    """The ``workflows`` table from the Allure results of the scenario suite."""
    workflows: dict[str, Any] = {}
    for result in results:
        if result.suite != SCENARIO:
            continue
        duration = None
        if result.start_ms is not None and result.stop_ms is not None:
            duration = round((result.stop_ms - result.start_ms) / 1000, 3)
        failing = result.label("stepId") if result.status in ("failed", "broken") else None
        workflows[result.subject] = {
            "outcome": result.status,
            "failing_step": failing,
            "duration_s": duration,
        }
    return dict(sorted(workflows.items()))


def build_observations(
    records: Iterable[ExchangeRecord], results: Iterable[ResultRecord], facts: RunFacts
) -> dict[str, Any]:
    """The whole ``observations.json`` document."""
    return {
        "format": FORMAT,
        "target": facts.target,
        "appliance_version": facts.appliance_version,
        "profile": facts.profile,
        "seed": facts.seed,
        "contract_sha256": facts.contract_sha256,
        "suites": list(facts.suites),
        "operations": operation_observations(records),
        "workflows": workflow_observations(results),
        "described_operations": dict((facts.preflight or {}).get("described_operations") or {}),
    }


def write_observations(run_dir: Path, results: Iterable[ResultRecord], facts: RunFacts) -> Path:
    """Write ``RUN_DIR/observations.json`` from the run's exchange logs and Allure results."""
    path = run_dir / OBSERVATIONS_FILE
    write_json(path, build_observations(read_records(log_files(run_dir)), results, facts))
    return path


# reading a run's observations back (diff)


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
    #: ``"GET /4.1/jobs"`` -> operationId (or None) as the appliance describes itself;
    #: empty when it served no description or the run predates the field.
    described: dict[str, str | None] = field(default_factory=dict)


def load_observations(run: Path, command: str = "diff") -> Observations | None:
    """The observations beside a run's summary.json, or None when the run has none."""
    folder = run if run.is_dir() else run.parent
    file = folder / OBSERVATIONS_FILE
    if not file.exists():
        return None
    data = load_json(file, command)
    try:
        return parse_observations(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise UsageError(f"{command}: {file} is not an observations.json: {exc}") from None


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
    described = {
        str(key): None if operation_id is None else str(operation_id)
        for key, operation_id in _mapping(data.get("described_operations", {})).items()
    }
    return Observations(operations, workflows, facts, described)


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
