"""`scv-conformance run --profile smoke` through the installed console script, for real."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from conformance.contract.spec import load_contract
from conformance.emulator import DEFAULT_PASSWORD
from conformance.reporting.allure_cli import find_allure
from conformance.reporting.junit import read_counts
from conformance.reporting.metadata import CATEGORIES
from conformance.run.spawn import ROOT

pytestmark = pytest.mark.integration

SCRIPT = Path(sys.executable).with_name("scv-conformance")
PLUGINS = (
    ROOT / "conformance" / "fuzz" / "plugin.py",
    ROOT / "conformance" / "scenarios" / "plugin.py",
)


def test_smoke_run_against_the_embedded_emulator(tmp_path: Path) -> None:
    """As a user runs it: from a folder of theirs, reports under the relative default
    `reports/`, then the HTML report by the command the run printed."""
    assert SCRIPT.exists(), f"install the package first (pip install -e .): no {SCRIPT}"
    assert all(p.exists() for p in PLUGINS)
    assert find_allure(), "the Allure 3 CLI is missing: run npm ci in the repository"
    reports = tmp_path / "reports"
    done = subprocess.run(
        [str(SCRIPT), "run", "--profile", "smoke"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        # the test machine runs other tests at the same time: a generous time budget
        env={**os.environ, "SCV_RESPONSE_TIME_BUDGET_MS": "5000"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir()]
    # the emulator's server log stays in the run folder
    assert "Invalid HTTP request" not in done.stdout + done.stderr
    (printed,) = [ln for ln in done.stdout.splitlines() if ln.startswith("HTML report: ")]
    command = printed.removeprefix("HTML report: ").split()
    assert command[2] == f"reports/{run_dir.name}"
    report = subprocess.run(
        [str(SCRIPT), *command[1:]],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    assert report.returncode == 0, report.stderr
    assert (run_dir / "allure-report" / "index.html").is_file()
    results = run_dir / "allure-results"
    # each suite's pytest log holds its own session's outcome
    for suite in ("fuzz", "scenarios"):
        assert " passed" in (run_dir / f"pytest-{suite}.log").read_text(), suite
    assert not list(run_dir.glob("junit-*.xml")), "the suites' junit files are merged"
    assert json.loads((results / "categories.json").read_text()) == CATEGORIES

    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "conformant" and summary["exitCode"] == 0
    assert summary["profile"] == "smoke" and summary["applianceVersion"]
    assert set(summary["suites"]) == {"fuzz", "scenarios"}
    assert summary["operations"] and summary["workflows"]
    assert all(w["status"] in ("passed", "skipped") for w in summary["workflows"].values())
    # what fuzzing created on the embedded emulator is removed before it stops, as on an
    # appliance: nothing is reported left behind on an emulator nobody can look at any more
    ledger = [json.loads(line) for line in (run_dir / "cleanup-ledger.jsonl").open()]
    owed = {e["cleanupStep"] for e in ledger if e["workflowId"] == "fuzzing"}
    assert owed, "the smoke run's fuzzing creates items of its own"
    assert summary["leftovers"] == [] and "left behind" not in done.stdout

    statuses = Counter(json.loads(p.read_text())["status"] for p in results.glob("*-result.json"))
    totals = summary["totals"]
    junit = read_counts(run_dir / "junit.xml")
    assert (
        totals["passed"]
        == statuses["passed"]
        == (junit.tests - junit.failures - junit.errors - junit.skipped)
    )
    assert totals["skipped"] == statuses["skipped"] == junit.skipped
    assert totals["failed"] == statuses["failed"] == junit.failures == 0
    assert totals["errors"] == statuses["broken"] == junit.errors == 0
    assert totals["total"] == junit.tests

    # the dry run counts what the run ran: tests, not the cleanup workflows they call
    listing = subprocess.run(
        [str(SCRIPT), "run", "--profile", "smoke", "--dry-run"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=tmp_path,
    ).stdout
    counted = re.search(r"(\d+) tests would run, (\d+) would be skipped", listing)
    assert counted, listing[-2000:]
    assert int(counted[1]) + int(counted[2]) == totals["total"]

    seed = str(summary["seed"])
    assert f"replay: scv-conformance run --seed {seed}" in done.stdout
    assert summary["replay"] == f"scv-conformance run --seed {seed}"
    coverage = summary["coverage"]
    operations = len(load_contract().operations)
    assert coverage["operations"] == {"exercised": operations, "documented": operations}
    assert 0 < coverage["statusCodes"]["exercised"] <= coverage["statusCodes"]["documented"]
    assert 0 < coverage["parameters"]["exercised"] <= coverage["parameters"]["documented"]
    assert f"coverage: operations {operations}/{operations}" in done.stdout
    assert "## Coverage" in (run_dir / "summary.md").read_text()
    _assert_allure_tree(results)
    (globals_file,) = results.glob("*-globals.json")
    attachments = json.loads(globals_file.read_text())["attachments"]
    assert all((results / a["source"]).is_file() for a in attachments)
    assert "CONFORMANT" in (run_dir / "summary.md").read_text()
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert DEFAULT_PASSWORD.encode() not in path.read_bytes(), path


def _assert_allure_tree(results: Path) -> None:
    """Grouped by API area, one label of each kind, real durations, readable messages."""
    areas = {tag["name"] for tag in load_contract().document["tags"]} | {"stateful"}
    fuzz_durations = []
    for path in results.glob("*-result.json"):
        result = json.loads(path.read_text())
        pairs = [(label["name"], label["value"]) for label in result["labels"]]
        assert len(pairs) == len(set(pairs)), pairs
        names = [name for name, _ in pairs]
        for level in ("parentSuite", "suite", "subSuite"):
            assert names.count(level) == 1, (level, pairs)
        labels = dict(pairs)
        assert labels["parentSuite"] in areas, labels
        assert not labels["parentSuite"].startswith(("specs", "scenarios"))
        message = (result.get("statusDetails") or {}).get("message") or ""
        assert not re.match(r"^[\w.]*(Error|Exception|Failure): ", message), message
        if labels["scv.suite"] == "fuzz" and result["status"] == "passed":
            fuzz_durations.append(result["stop"] - result["start"])
    # each check shows when its own cases ran, not all on the operation's first check
    assert sum(1 for d in fuzz_durations if d >= 5) > len(fuzz_durations) / 2
