"""``observations.json``: what a run saw, for comparing runs (before and after an upgrade).

Per operation, the status codes seen per kind of input, the shape of each answer (field
paths and JSON types, never values) per status, and the latency; per workflow, its
outcome, failing step and duration. Built by streaming the exchange logs once (only the
latencies are kept, to take their median and 95th percentile) and from the Allure results.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance.core.item_keys import SCENARIO
from conformance.core.recording import ExchangeRecord, log_files, merge_types, read_records
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
    }


def write_observations(run_dir: Path, results: Iterable[ResultRecord], facts: RunFacts) -> Path:
    """Write ``RUN_DIR/observations.json`` from the run's exchange logs and Allure results."""
    path = run_dir / OBSERVATIONS_FILE
    write_json(path, build_observations(read_records(log_files(run_dir)), results, facts))
    return path
