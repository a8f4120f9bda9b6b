"""What a process sent and got back, per operation of the contract: the coverage record.

Every request to the appliance, whether schemathesis' engine sent it or the harness's own
clients (probes, logins, workflow steps), is matched to its operation by method and path
and counted with the status it got and the parameters it carried. Each pytest process
writes its record (:func:`write`); the parent merges them into the coverage view of the
reports (:mod:`conformance.reporting.coverage`).
"""

from __future__ import annotations

import json
import os
import threading
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance.contract.matching import OperationMatcher
from conformance.contract.spec import Contract
from conformance.http import process

#: Files of one run's records, one per process: ``coverage-<pid>.json``.
RECORD_PATTERN = "coverage-*.json"


class CoverageRecorder:
    """Counts requests, statuses and parameter names per operation; thread-safe."""

    def __init__(self, contract: Contract) -> None:
        self._matcher = OperationMatcher(contract)
        self._parameters = {
            op.operation_id: [
                (str(p.get("in")), str(p.get("name"))) for p in contract.parameters(op)
            ]
            for op in contract.operations
        }
        self._lock = threading.Lock()
        self.requests: dict[str, int] = defaultdict(int)
        self.statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.parameters: dict[str, set[str]] = defaultdict(set)

    def observe(
        self, method: str, url: str, status: int | None, header_names: Iterable[str] = ()
    ) -> None:
        """Count one request to ``url`` and the status it got (None: no answer)."""
        parts = urlsplit(url)
        operation = self._matcher.operation(method, url)
        if operation is None:
            return
        names = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
        headers = {name.lower() for name in header_names}
        used = set()
        for where, name in self._parameters[operation.operation_id]:
            if (
                where == "path"
                or (where == "query" and name in names)
                or (where == "header" and name.lower() in headers)
            ):
                used.add(f"{where}:{name}")
        key = operation.operation_id
        with self._lock:
            self.requests[key] += 1
            if status is not None:
                self.statuses[key][str(status)] += 1
            self.parameters[key] |= used

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                op: {
                    "requests": count,
                    "statuses": dict(self.statuses.get(op, {})),
                    "parameters": sorted(self.parameters.get(op, set())),
                }
                for op, count in sorted(self.requests.items())
            }


def start(contract: Contract) -> CoverageRecorder:
    """Record this process's requests to the target from now on (in
    :data:`conformance.http.process.COVERAGE`)."""
    recorder = CoverageRecorder(contract)
    process.COVERAGE[:] = [recorder]
    return recorder


#: Count one request, when this process records coverage.
observe = process.observe


def write(directory: Path) -> Path | None:
    """Write this process's record into ``directory`` (nothing when not recording)."""
    recorder = next((r for r in process.COVERAGE if isinstance(r, CoverageRecorder)), None)
    if recorder is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"coverage-{os.getpid()}.json"
    temporary = path.with_name(f".{path.name}")
    temporary.write_text(json.dumps(recorder.to_dict()) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path
