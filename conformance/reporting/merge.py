"""Several runs as one: combined Allure results grouped by target, and one summary table.

Used by ``run --fleet`` (one run per appliance, side by side) and by ``report RUN...`` (the
CI-matrix way: one job per appliance, a last job merging their run folders). Each run's
Allure results are copied with ``parentSuite`` set to the run's name, and their
``historyId``/``testCaseId`` made distinct per run: Allure otherwise takes the same test
on two appliances for retries of one test and shows only the last.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.core.errors import UsageError
from conformance.reporting.atomic import write_json, write_text
from conformance.reporting.html import build_report
from conformance.reporting.markdown import STATUS_TEXT
from conformance.reporting.metadata import (
    ALLURE3_CONFIG,
    CATEGORIES,
    allure3_config,
    environment_properties,
)
from conformance.reporting.run_dirs import RUN_NAME, TIMESTAMP_FORMAT

SUMMARY_JSON = "fleet-summary.json"
SUMMARY_MD = "fleet-summary.md"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class NamedRun:
    """A run folder and the name it goes by in the combined report."""

    name: str
    folder: Path | None
    exit_code: int | None = None
    note: str | None = None


def check_name(name: str, what: str) -> str:
    """A name fit for a folder and a report label (letters, digits, ``. _ -``)."""
    if not _NAME.match(name):
        raise UsageError(f"{what}: {name!r} is not a usable name (letters, digits, . _ -)")
    return name


def named_runs(arguments: list[str]) -> list[NamedRun]:
    """``NAME=PATH`` or ``PATH`` arguments; a timestamp folder goes by its parent's name."""
    runs = []
    for argument in arguments:
        name, sep, path_text = argument.partition("=")
        path = Path(path_text if sep else argument)
        if not sep:
            name = path.parent.name if RUN_NAME.match(path.name) else path.name
        if not (path / "allure-results").is_dir():
            raise UsageError(f"{path} is not a run folder (no allure-results/ in it)")
        runs.append(NamedRun(check_name(name or path.name, "report"), path))
    names = [r.name for r in runs]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise UsageError(f"report: two runs are named {duplicate!r}; give them as NAME=PATH")
    return runs


def _distinct(value: str, name: str) -> str:
    return hashlib.md5(f"{name}:{value}".encode(), usedforsecurity=False).hexdigest()


def _relabel(result: dict[str, Any], name: str) -> dict[str, Any]:
    labels = [
        label
        for label in result.get("labels") or []
        if isinstance(label, dict) and label.get("name") != "parentSuite"
    ]
    labels.insert(0, {"name": "parentSuite", "value": name})
    labels.append({"name": "tag", "value": name})
    result["labels"] = labels
    for key in ("historyId", "testCaseId"):
        if result.get(key):
            result[key] = _distinct(str(result[key]), name)
    if result.get("fullName"):
        result["fullName"] = f"{name}: {result['fullName']}"
    return result


def merge_results(runs: list[NamedRun], out: Path) -> None:
    """``out/allure-results`` with every run's results, grouped by run name."""
    results = out / "allure-results"
    results.mkdir(parents=True, exist_ok=True)
    environment: dict[str, object] = {}
    executor: Path | None = None
    for run in runs:
        if run.folder is None:
            continue
        source = run.folder / "allure-results"
        for path in sorted(source.glob("*")) if source.is_dir() else []:
            if not path.is_file():
                continue
            if path.name.endswith(("-result.json", "-container.json")):
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if path.name.endswith("-result.json"):
                    data = _relabel(data, run.name)
                write_json(results / path.name, data)
            elif path.name == "environment.properties":
                environment.update(_properties(path, run.name))
            elif path.name == "executor.json":
                executor = executor or path
            elif path.name != "categories.json":
                shutil.copyfile(path, results / path.name)
    write_text(results / "environment.properties", environment_properties(environment))
    write_json(results / "categories.json", CATEGORIES)
    write_json(results.parent / ALLURE3_CONFIG, allure3_config())
    if executor is not None:
        shutil.copyfile(executor, results / "executor.json")


def _properties(path: Path, name: str) -> dict[str, object]:
    values: dict[str, object] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[f"{name}.{key.replace(chr(92), '')}"] = value
    return values


def summary_rows(runs: list[NamedRun]) -> list[dict[str, Any]]:
    """One row per run: target, appliance, status, exit code, totals, folder."""
    rows = []
    for run in runs:
        summary = _summary(run.folder)
        row: dict[str, Any] = {
            "name": run.name,
            "folder": str(run.folder) if run.folder else None,
            "target": summary.get("target"),
            "applianceVersion": summary.get("applianceVersion"),
            "status": summary.get("status", "not run"),
            "exitCode": run.exit_code if run.exit_code is not None else summary.get("exitCode"),
            "totals": summary.get("totals"),
            "durationSeconds": summary.get("durationSeconds"),
            "seed": summary.get("seed"),
            "profile": summary.get("profile"),
        }
        if run.note or summary.get("error"):
            row["error"] = run.note or summary.get("error")
        rows.append(row)
    return rows


def worst_exit_code(rows: list[dict[str, Any]]) -> int:
    """The highest exit code of the runs (3 > 2 > 1 > 0); 3 when a run has none."""
    codes = [row["exitCode"] if isinstance(row["exitCode"], int) else 3 for row in rows]
    return max(codes, default=0)


def write_summary(rows: list[dict[str, Any]], out: Path, title: str) -> dict[str, Any]:
    """fleet-summary.json and fleet-summary.md under ``out``; returns the JSON document."""
    document = {"format": 1, "exitCode": worst_exit_code(rows), "runs": rows}
    write_json(out / SUMMARY_JSON, document)
    write_text(out / SUMMARY_MD, render_summary(rows, title))
    return document


def shown_status(row: dict[str, Any]) -> str:
    """A run's status for a table: a conformant run that checked nothing says so (every
    test skipped, say for safety on a read-only run), it is no proof of conformance."""
    totals = row.get("totals") or {}
    if row["status"] == "conformant" and not totals.get("passed") and not totals.get("failed"):
        return f"conformant, nothing checked ({totals.get('skipped', 0)} skipped)"
    return str(row["status"])


def render_summary(rows: list[dict[str, Any]], title: str) -> str:
    """The combined table for people."""
    lines = [
        f"# {title}",
        "",
        f"Exit code {worst_exit_code(rows)} (the highest of the runs).",
        "",
        "| name | target | appliance | status | exit | passed | failed | errors | skipped |"
        " duration |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        totals = row.get("totals") or {}
        duration = row.get("durationSeconds")
        lines.append(
            f"| {row['name']} | {row.get('target') or 'embedded emulator'} | "
            f"{row.get('applianceVersion') or 'unknown'} | {shown_status(row)} | "
            f"{row.get('exitCode')} | {totals.get('passed', '')} | {totals.get('failed', '')} | "
            f"{totals.get('errors', '')} | {totals.get('skipped', '')} | "
            f"{'' if duration is None else f'{duration:.1f} s'} |"
        )
    notes = [
        f"- {row['name']}: {STATUS_TEXT.get(row['status'], row['status'])}; {row['error']}"
        for row in rows
        if row.get("error")
    ]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def merged_report(arguments: list[str], out: str | None, report_dir: str) -> int:
    """`report RUN RUN...`: merge the runs into one folder and make its HTML report."""
    runs = named_runs(arguments)
    folder = Path(out) if out else Path(report_dir) / f"{_stamp()}-merged"
    if (folder / "allure-results").exists():
        raise UsageError(f"report: --out {folder} already holds results")
    merge_results(runs, folder)
    rows = summary_rows(runs)
    write_summary(rows, folder, f"SCV conformance: {len(runs)} runs merged")
    print(f"merged {len(runs)} runs: {folder} ({SUMMARY_MD}, allure-results/)")
    return build_report(str(folder), report_dir)


def _stamp() -> str:
    return datetime.now(UTC).strftime(TIMESTAMP_FORMAT)


def _summary(folder: Path | None) -> dict[str, Any]:
    if folder is None:
        return {}
    try:
        data = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
