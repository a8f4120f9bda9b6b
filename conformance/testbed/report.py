"""The reports of a matrix: one per cell and one for the whole.

Each cell's folder (``cells/<cell>/``) holds the proxy's run folder (summary.json,
summary.md, junit.xml, allure-results/, traffic.har), the command's redacted output
(command.log) and the cell's verdict (cell.json, cell.md). The whole has summary.json,
summary.md (a release x condition table, then every failing cell and why), junit.xml (a
test case per cell) and allure-results/ (every cell's results grouped by cell, and the
cell's own verdict beside them).
"""

from __future__ import annotations

import hashlib
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.core.errors import ExitCode
from conformance.reporting.atomic import write_json, write_text
from conformance.reporting.merge import NamedRun, merge_results
from conformance.testbed.cell import ERROR, FAILED, NOT_RUN, PASSED, CellResult
from conformance.testbed.matrix import PLAIN

FORMAT = 1
SUMMARY_JSON = "summary.json"
SUMMARY_MD = "summary.md"
JUNIT_XML = "junit.xml"
CELL_JSON = "cell.json"
CELL_MD = "cell.md"
CELLS_DIR = "cells"
#: The Allure name of the verdict each cell gets beside the proxy's results.
VERDICT_NAME = "cell verdict: the command exits 0 and its traffic conforms"
MARKS = {PASSED: "pass", FAILED: "FAIL", ERROR: "error", NOT_RUN: "not run"}
ALLURE_STATUS = {PASSED: "passed", FAILED: "failed", ERROR: "broken", NOT_RUN: "skipped"}


def cell_document(result: CellResult, bundle: Path) -> dict[str, Any]:
    """A cell's verdict as JSON (cell.json, and an item of summary.json's ``cells``)."""
    outcome, traffic = result.outcome, result.traffic
    folder = result.folder.relative_to(bundle).as_posix() if result.folder else None
    return {
        "name": result.cell.name,
        "release": result.cell.release,
        "condition": result.cell.condition,
        "status": result.status,
        "reasons": list(result.reasons),
        "commandExitCode": outcome.exit_code if outcome else None,
        "commandTimedOut": outcome.timed_out if outcome else False,
        "commandSeconds": outcome.duration_seconds if outcome else None,
        "requests": traffic.requests if traffic else None,
        "failures": list(traffic.failures) if traffic else [],
        "deviations": list(traffic.deviations) if traffic else [],
        "applianceFindings": list(traffic.appliance) if traffic else [],
        "durationSeconds": result.duration_seconds,
        "folder": folder,
    }


def exit_code(results: Sequence[CellResult]) -> int:
    """0 when every cell passed, 1 when one failed, 3 when one could not be judged."""
    statuses = {r.status for r in results}
    if FAILED in statuses:
        return int(ExitCode.FAILURES)
    if statuses & {ERROR, NOT_RUN}:
        return int(ExitCode.INFRASTRUCTURE)
    return int(ExitCode.CONFORMANT)


def totals(results: Sequence[CellResult]) -> dict[str, int]:
    """How many cells ended each way."""
    counts = {"cells": len(results), "passed": 0, "failed": 0, "errors": 0, "notRun": 0}
    keys = {PASSED: "passed", FAILED: "failed", ERROR: "errors", NOT_RUN: "notRun"}
    for result in results:
        counts[keys[result.status]] += 1
    return counts


def write_cell(result: CellResult, bundle: Path) -> None:
    """cell.json and cell.md in the cell's folder."""
    if result.folder is None:
        return
    document = cell_document(result, bundle)
    write_json(result.folder / CELL_JSON, document)
    write_text(result.folder / CELL_MD, render_cell(document))


def render_cell(cell: dict[str, Any]) -> str:
    """A cell's verdict for people."""
    lines = [
        f"# Cell {cell['name']}: {cell['status']}",
        "",
        f"Release {cell['release']}, condition {cell['condition'] or PLAIN}.",
        "",
        f"- command: exit code {cell['commandExitCode']}"
        + (" (timed out)" if cell["commandTimedOut"] else ""),
        f"- requests judged by the proxy: {cell['requests']}",
        f"- client failures: {len(cell['failures'])}, deviations: {len(cell['deviations'])}",
    ]
    if cell["reasons"]:
        lines += ["", "Why it did not pass:", "", *(f"- {r}" for r in cell["reasons"])]
    lines += ["", "The command's output is in command.log, the proxy's findings in summary.md."]
    return "\n".join(lines) + "\n"


def write_summary(
    results: Sequence[CellResult], bundle: Path, facts: dict[str, Any]
) -> dict[str, Any]:
    """summary.json, summary.md, junit.xml and allure-results/ of the whole matrix."""
    for result in results:
        write_cell(result, bundle)
    code = exit_code(results)
    document = {
        "format": FORMAT,
        **facts,
        "status": "passed" if code == 0 else ("failed" if code == 1 else "error"),
        "exitCode": code,
        "totals": totals(results),
        "cells": [cell_document(r, bundle) for r in results],
    }
    write_json(bundle / SUMMARY_JSON, document)
    write_text(bundle / SUMMARY_MD, render_summary(document))
    write_junit(document, bundle / JUNIT_XML)
    write_allure(results, document, bundle)
    return document


def render_summary(document: dict[str, Any]) -> str:
    """The matrix for people: a release x condition table, then the cells that failed."""
    cells = document["cells"]
    columns = list(dict.fromkeys(c["condition"] or PLAIN for c in cells))
    releases = list(dict.fromkeys(c["release"] for c in cells))
    by_key = {(c["release"], c["condition"] or PLAIN): c for c in cells}
    counts = document["totals"]
    lines = [
        "# certify-client: the integration against every release and condition",
        "",
        f"Command: `{' '.join(document.get('command') or [])}`",
        "",
        f"**{document['status']}** (exit code {document['exitCode']}): "
        f"{counts['passed']} of {counts['cells']} cells passed.",
        "",
        "| release | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for release in releases:
        marks = [
            MARKS[by_key[(release, c)]["status"]] if (release, c) in by_key else "" for c in columns
        ]
        lines.append(f"| {release} | " + " | ".join(marks) + " |")
    failing = [c for c in cells if c["status"] != PASSED]
    if failing:
        lines += ["", "## Cells that did not pass", ""]
        for cell in failing:
            where = f" ([{cell['folder']}]({cell['folder']}/{CELL_MD}))" if cell["folder"] else ""
            lines.append(
                f"- **{cell['name']}** ({cell['status']}): " + "; ".join(cell["reasons"]) + where
            )
    deviating = [c for c in cells if c["deviations"]]
    if deviating:
        lines += ["", "## Deviations (from our assumptions; they fail only under --strict)", ""]
        for cell in deviating:
            lines.append(
                f"- {cell['name']}: {len(cell['deviations'])} deviation(s), see "
                f"{cell['folder']}/summary.md"
            )
    lines += [
        "",
        "| cell | status | command exit | requests | failures | deviations | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for cell in cells:
        lines.append(
            f"| {cell['name']} | {cell['status']} | {_blank(cell['commandExitCode'])} | "
            f"{_blank(cell['requests'])} | {len(cell['failures'])} | {len(cell['deviations'])} "
            f"| {cell['durationSeconds']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def _blank(value: object) -> str:
    return "" if value is None else str(value)


def write_junit(document: dict[str, Any], path: Path) -> None:
    """A test case per cell: failure (failed), error (error), skipped (not run)."""
    counts = document["totals"]
    suites = ET.Element("testsuites", name="scv-conformance certify-client")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="certify-client",
        tests=str(counts["cells"]),
        failures=str(counts["failed"]),
        errors=str(counts["errors"]),
        skipped=str(counts["notRun"]),
    )
    tags = {FAILED: "failure", ERROR: "error", NOT_RUN: "skipped"}
    for cell in document["cells"]:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"certify-client.{cell['release']}",
            name=cell["name"],
            time=f"{cell['durationSeconds']:.3f}",
        )
        tag = tags.get(cell["status"])
        if tag is not None:
            message = "; ".join(cell["reasons"])
            ET.SubElement(case, tag, message=message).text = message
    ET.indent(suites)
    write_text(path, ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n")


def write_allure(results: Sequence[CellResult], document: dict[str, Any], bundle: Path) -> None:
    """Every cell's Allure results grouped by cell, each with its verdict beside them."""
    runs = [
        NamedRun(r.cell.name, r.folder)
        for r in results
        if r.folder is not None and (r.folder / "allure-results").is_dir()
    ]
    merge_results(runs, bundle)
    now_ms = int(time.time() * 1000)
    for cell in document["cells"]:
        verdict = _verdict_result(cell, now_ms)
        write_json(bundle / "allure-results" / f"{verdict['uuid']}-result.json", verdict)


def _verdict_result(cell: dict[str, Any], now_ms: int) -> dict[str, Any]:
    identity = f"certify-client|{cell['name']}"
    history = hashlib.md5(identity.encode(), usedforsecurity=False).hexdigest()
    return {
        "uuid": str(uuid.uuid4()),
        "historyId": history,
        "testCaseId": history,
        "name": VERDICT_NAME,
        "fullName": identity,
        "status": ALLURE_STATUS[cell["status"]],
        "statusDetails": {"message": "; ".join(cell["reasons"]) or "passed"},
        "stage": "finished",
        "start": now_ms,
        "stop": now_ms,
        "parameters": [
            {"name": "release", "value": cell["release"]},
            {"name": "condition", "value": cell["condition"] or PLAIN},
        ],
        "labels": [
            {"name": "parentSuite", "value": cell["name"]},
            {"name": "suite", "value": "certify-client"},
            {"name": "tag", "value": cell["name"]},
        ],
    }
