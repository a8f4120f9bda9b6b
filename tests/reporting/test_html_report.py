"""`scv-conformance report`: the Allure HTML report, history, and a missing tool."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.core.paths import PROJECT_ROOT
from conformance.reporting import html
from conformance.reporting.allure_cli import find_allure
from conformance.reporting.metadata import (
    ALLURE3_CONFIG,
    DEVIATIONS_CATEGORY,
    allure3_config,
    write_metadata,
)

pytestmark = pytest.mark.integration

RESULT = {
    "uuid": "0f1e2d3c-0000-4000-8000-000000000001",
    "name": "status_code_conformance",
    "fullName": "specs.scv.openapi.yaml#getJob",
    # as allure-pytest writes it: Allure 3's tree follows it unless told to group by labels
    "titlePath": ["specs", "scv.openapi.yaml", "getJob"],
    "status": "passed",
    "start": 1795810000000,
    "stop": 1795810000100,
    "labels": [
        {"name": "scv.nodeid", "value": "specs/scv.openapi.yaml::getJob::status_code_conformance"},
        {"name": "parentSuite", "value": "Jobs"},
        {"name": "suite", "value": "getJob"},
        {"name": "subSuite", "value": "fuzzing"},
    ],
}


def make_run(reports: Path, name: str) -> Path:
    results = reports / name / "allure-results"
    results.mkdir(parents=True)
    (results / f"{RESULT['uuid']}-result.json").write_text(json.dumps(RESULT))
    (reports / name / "summary.json").write_text(json.dumps({"profile": "smoke"}))
    return reports / name


def test_missing_tool_is_one_line_and_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_run(tmp_path, "20261127T201500Z")
    monkeypatch.setattr(html, "find_allure", lambda: None)
    assert main(["report", "--report-dir", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "npm install" in err and "allure@3.18.0" in err


def test_no_runs_or_not_a_run_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--report-dir", str(tmp_path / "none")]) == 2
    assert main(["report", str(tmp_path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_report_and_history(tmp_path: Path) -> None:
    assert find_allure(), "the Allure 3 CLI is missing: run npm ci in the repository"
    first = make_run(tmp_path, "20261127T201500Z")
    second = make_run(tmp_path, "20261128T201500Z")
    assert main(["report", str(first)]) == 0
    stale = first / "allure-report" / "stale.txt"
    stale.write_text("old")
    assert main(["report", "--report-dir", str(tmp_path)]) == 0
    assert (second / "allure-report" / "index.html").stat().st_size > 100_000
    history = tmp_path / "history.jsonl"
    assert len(history.read_text().splitlines()) == 2
    assert main(["report", str(first)]) == 0
    assert not stale.exists()
    assert len(history.read_text().splitlines()) == 2
    assert not [p for p in first.iterdir() if p.name.startswith(".report-")]
    assert shutil.which("node")


def test_relative_run_folder_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default `reports/` and the command a run prints are relative to the cwd."""
    assert find_allure(), "the Allure 3 CLI is missing: run npm ci in the repository"
    monkeypatch.chdir(tmp_path)
    run = make_run(Path("reports"), "20261127T201500Z")
    assert main(["report", str(run)]) == 0
    assert main(["report"]) == 0
    assert (tmp_path / run / "allure-report" / "index.html").is_file()
    assert (tmp_path / "reports" / "history.jsonl").is_file()
    assert "error" not in capsys.readouterr().err


def test_the_history_keeps_only_what_the_trends_need(tmp_path: Path) -> None:
    assert find_allure(), "the Allure 3 CLI is missing: run npm ci in the repository"
    failing = {
        **RESULT,
        "uuid": "0f1e2d3c-0000-4000-8000-000000000002",
        "name": "response_schema_conformance",
        "fullName": "specs.scv.openapi.yaml#getJob#response_schema_conformance",
        "status": "failed",
        "statusDetails": {"message": "x" * 5000, "trace": "y" * 5000},
        "labels": [*RESULT["labels"], *({"name": "tag", "value": f"t{i}"} for i in range(50))],
    }
    for name in ("20261127T201500Z", "20261128T201500Z"):
        run = make_run(tmp_path, name)
        (run / "allure-results" / f"{failing['uuid']}-result.json").write_text(json.dumps(failing))
        assert main(["report", str(run)]) == 0
    history = (tmp_path / "history.jsonl").read_text().splitlines()
    assert len(history) == 2
    for line in history:
        entry = json.loads(line)
        assert entry["knownTestCaseIds"] and entry["timestamp"]
        tests = list(entry["testResults"].values())
        assert {t["status"] for t in tests} == {"passed", "failed"}
        assert all(set(t) <= {"historyId", "status", "start", "stop", "duration"} for t in tests)
        # the History tab dates an earlier result by its stop (else "Unknown date")
        assert all(t["stop"] == RESULT["stop"] for t in tests)
        assert len(line) < 1000
    assert (tmp_path / "20261128T201500Z" / "allure-report" / "index.html").is_file()


def _categories_of(report: Path) -> set[str]:
    tree = json.loads((report / "widgets" / "categories.json").read_text())
    return {node["name"] for node in tree["nodes"].values() if node["type"] == "category"}


def test_plain_allure_generate_keeps_our_categories(tmp_path: Path) -> None:
    """Allure 3 reads categories only from its configuration: the run folder carries one."""
    command = find_allure()
    assert command, "the Allure 3 CLI is missing: run npm ci in the repository"
    run = make_run(tmp_path, "20261127T201500Z")
    deviating = {
        **RESULT,
        "uuid": "0f1e2d3c-0000-4000-8000-000000000003",
        "name": "response_schema_conformance",
        # a test of its own, as a run writes it: with RESULT's full name Allure takes the two
        # for retries of one test and shows whichever it reads last
        "fullName": "specs.scv.openapi.getJob#response_schema_conformance",
        "labels": [*RESULT["labels"], {"name": "scv.verdict", "value": "deviation"}],
        "statusDetails": {"message": "[deviation] getJob: a field we assumed is missing"},
    }
    results = run / "allure-results"
    (results / f"{deviating['uuid']}-result.json").write_text(json.dumps(deviating))
    write_metadata(results, {"Target": "embedded emulator"})
    env = {**os.environ, "ALLURE_NO_ANALYTICS": "1", "NO_COLOR": "1"}
    subprocess.run(
        [*command, "generate", "allure-results"],
        cwd=run,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert DEVIATIONS_CATEGORY in _categories_of(run / "allure-report")
    assert _tree_roots(run / "allure-report") == {"Jobs"}


def _tree_roots(report: Path) -> set[str]:
    """The top level of the report's tree."""
    tree = json.loads((report / "widgets" / "tree.json").read_text())
    groups = tree.get("groupsById") or {}
    return {groups[g]["name"] for g in tree.get("root", {}).get("groups", [])}


def test_the_shipped_allure_configuration_has_our_categories() -> None:
    """``npx allure generate reports/RUN/allure-results`` in the repository reads it."""
    shipped = json.loads((PROJECT_ROOT / ALLURE3_CONFIG).read_text())
    assert shipped == allure3_config()
