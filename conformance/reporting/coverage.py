"""The coverage view of a run: operations, documented status codes and parameters exercised.

It merges the records the pytest processes wrote (:mod:`conformance.core.coverage`) and
measures them against the contract: an operation is exercised when a request reached it,
a documented status code when an answer carried it (``4XX`` ranges match any 4xx), a
documented parameter when a request carried it (path parameters whenever the operation
was reached). Statuses the contract does not document are listed apart.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from conformance.contract.spec import Contract, Operation
from conformance.core.coverage import RECORD_PATTERN
from conformance.reporting.atomic import write_json, write_text


def read_records(directory: Path) -> dict[str, dict[str, Any]]:
    """The records of every process under ``directory``, merged per operationId."""
    merged: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob(RECORD_PATTERN)):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for op, record in data.items():
            entry = merged.setdefault(op, {"requests": 0, "statuses": {}, "parameters": set()})
            entry["requests"] += int(record.get("requests", 0))
            for status, count in (record.get("statuses") or {}).items():
                entry["statuses"][status] = entry["statuses"].get(status, 0) + int(count)
            entry["parameters"] |= set(record.get("parameters") or [])
    return merged


def documented_statuses(operation: Operation) -> list[str]:
    return [
        str(code) for code in (operation.definition.get("responses") or {}) if code != "default"
    ]


def documented_parameters(contract: Contract, operation: Operation) -> list[str]:
    return [
        f"{p.get('in')}:{p.get('name')}"
        for p in contract.parameters(operation)
        if p.get("in") in ("path", "query", "header")
    ]


def _matches(documented: str, status: str) -> bool:
    return documented == status or (
        documented.upper().endswith("XX") and status[:1] == documented[:1]
    )


def build_coverage(contract: Contract, records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ``coverage`` section of summary.json."""
    by_operation: dict[str, Any] = {}
    totals = {"operations": [0, 0], "statusCodes": [0, 0], "parameters": [0, 0]}
    for op in contract.operations:
        record = records.get(op.operation_id, {"requests": 0, "statuses": {}, "parameters": set()})
        seen = sorted(record["statuses"])
        statuses = documented_statuses(op)
        hit = [s for s in statuses if any(_matches(s, code) for code in seen)]
        undocumented = [c for c in seen if not any(_matches(s, c) for s in statuses)]
        parameters = documented_parameters(contract, op)
        used = [p for p in parameters if p in record["parameters"]]
        by_operation[op.operation_id] = {
            "requests": record["requests"],
            "statusCodes": {
                "documented": statuses,
                "exercised": hit,
                "undocumented": undocumented,
            },
            "parameters": {"documented": parameters, "exercised": used},
        }
        for key, (done, total) in (
            ("operations", (1 if record["requests"] else 0, 1)),
            ("statusCodes", (len(hit), len(statuses))),
            ("parameters", (len(used), len(parameters))),
        ):
            totals[key][0] += done
            totals[key][1] += total
    coverage: dict[str, Any] = {
        key: {"exercised": done, "documented": total} for key, (done, total) in totals.items()
    }
    coverage["byOperation"] = by_operation
    return coverage


def _percent(part: dict[str, int]) -> str:
    share = 100 * part["exercised"] / part["documented"] if part["documented"] else 100.0
    return f"{part['exercised']}/{part['documented']} ({share:.0f}%)"


def coverage_line(coverage: dict[str, Any]) -> str:
    """``operations 40/44 (91%) · status codes ... · parameters ...``."""
    return (
        f"operations {_percent(coverage['operations'])} · "
        f"documented status codes {_percent(coverage['statusCodes'])} · "
        f"parameters {_percent(coverage['parameters'])}"
    )


def render_markdown(coverage: dict[str, Any]) -> list[str]:
    """The coverage section of summary.md."""
    lines = [
        "## Coverage",
        "",
        f"Exercised: {coverage_line(coverage)}.",
        "",
        "| operationId | requests | status codes | not seen | undocumented | parameters "
        "| not sent |",
        "|---|---|---|---|---|---|---|",
    ]
    for op, entry in coverage["byOperation"].items():
        codes, params = entry["statusCodes"], entry["parameters"]
        missing = [c for c in codes["documented"] if c not in codes["exercised"]]
        unsent = [p for p in params["documented"] if p not in params["exercised"]]
        lines.append(
            f"| {op} | {entry['requests']} | {len(codes['exercised'])}/{len(codes['documented'])} "
            f"| {' '.join(missing)} | {' '.join(codes['undocumented'])} "
            f"| {len(params['exercised'])}/{len(params['documented'])} | {' '.join(unsent)} |"
        )
    return [*lines, ""]


def write_allure_globals(results_dir: Path, coverage: dict[str, Any], timestamp_ms: int) -> Path:
    """The coverage as global attachments of the Allure report (not a test: no count moves)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    markdown = results_dir / f"{uuid.uuid4()}-attachment.md"
    write_text(markdown, "\n".join(render_markdown(coverage)))
    document = results_dir / f"{uuid.uuid4()}-attachment.json"
    write_json(document, coverage)
    path = results_dir / f"{uuid.uuid4()}-globals.json"
    write_json(
        path,
        {
            "attachments": [
                {
                    "name": f"API coverage: {coverage_line(coverage)}",
                    "source": markdown.name,
                    "type": "text/markdown",
                    "timestamp": timestamp_ms,
                },
                {
                    "name": "API coverage (JSON)",
                    "source": document.name,
                    "type": "application/json",
                    "timestamp": timestamp_ms,
                },
            ],
            "errors": [],
        },
    )
    return path


__all__ = [
    "build_coverage",
    "coverage_line",
    "read_records",
    "render_markdown",
    "write_allure_globals",
]
