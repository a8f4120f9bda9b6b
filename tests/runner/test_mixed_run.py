"""A run with passes, failures, errors and skips: every report agrees on every count."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.emulator import DEFAULT_PASSWORD
from conformance.reporting.junit import read_counts
from conformance.reporting.metadata import CATEGORIES
from tests.runner.conftest import CI_VARIABLES, Run, run_fakes

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in [*CI_VARIABLES, *(k for k in os.environ if k.startswith("SCV_"))]:
            monkeypatch.delenv(name, raising=False)
        yield run_fakes(monkeypatch, tmp_path_factory.mktemp("mixed"), "mixed", workers=2)


def allure_statuses(run_dir: Path) -> Counter[str]:
    statuses: Counter[str] = Counter()
    for path in (run_dir / "allure-results").glob("*-result.json"):
        statuses[json.loads(path.read_text())["status"]] += 1
    return statuses


def test_errors_make_exit_code_3(mixed: Run) -> None:
    assert mixed.code == 3
    assert mixed.summary["status"] == "error"
    assert mixed.summary["exitCode"] == 3


def test_summary_junit_and_allure_agree_on_every_count(mixed: Run) -> None:
    allure = allure_statuses(mixed.run_dir)
    totals = mixed.summary["totals"]
    junit = read_counts(mixed.run_dir / "junit.xml")
    assert dict(allure) == {"passed": 5, "failed": 2, "broken": 1, "skipped": 2}
    assert totals == {"passed": 5, "failed": 2, "errors": 1, "skipped": 2, "total": 10}
    assert (junit.tests, junit.failures, junit.errors, junit.skipped) == (10, 2, 1, 2)
    assert len(mixed.summary["failures"]) == totals["failed"] + totals["errors"]
    assert len(mixed.summary["skipped"]) == totals["skipped"]


def test_operations_and_workflows(mixed: Run) -> None:
    summary = mixed.summary
    assert summary["operations"]["createResourceGroup"] == {
        "status": "failed",
        "checks": {"response_schema_conformance": "passed", "status_code_conformance": "failed"},
    }
    assert summary["operations"]["getVersion"]["status"] == "error"
    assert summary["operations"]["deleteResourceGroup"]["status"] == "skipped"
    assert summary["workflows"] == {
        "backupOnDemand": {"status": "passed", "failedStep": None},
        "restoreVm": {"status": "failed", "failedStep": "waitForRestore"},
    }


def test_failures_carry_what_reproduces_them(mixed: Run) -> None:
    by_subject = {f.get("operationId") or f.get("workflowId"): f for f in mixed.summary["failures"]}
    fuzz = by_subject["createResourceGroup"]
    assert fuzz["suite"] == "fuzz" and fuzz["status"] == "failed"
    assert fuzz["check"] == "status_code_conformance"
    assert fuzz["reproduce"].startswith("curl ")
    assert "status 500 is not documented" in fuzz["message"]
    scenario = by_subject["restoreVm"]
    assert (scenario["suite"], scenario["stepId"]) == ("scenario", "waitForRestore")
    assert by_subject["getVersion"]["status"] == "error"


def test_skips_say_why_and_of_which_kind(mixed: Run) -> None:
    skipped = {s["test"].split("::")[1]: s for s in mixed.summary["skipped"]}
    assert skipped["deleteResourceGroup"] == {
        "test": skipped["deleteResourceGroup"]["test"],
        "reason": "deleteResourceGroup is left alone on this target",
        "kind": "safety",
    }
    assert skipped["listGuestFiles"]["kind"] == "version"
    assert skipped["listGuestFiles"]["reason"] == "listGuestFiles is too new for this target"


def test_allure_categories_sort_skips_by_kind(mixed: Run) -> None:
    """The run's own categories.json, applied as Allure 2 does, to the run's own results:
    the fake suites' skip texts share no words with the real ones, yet sort by kind."""
    results_dir = mixed.run_dir / "allure-results"
    categories = json.loads((results_dir / "categories.json").read_text())
    sorted_into = []
    for path in results_dir.glob("*-result.json"):
        result = json.loads(path.read_text())
        if result["status"] != "skipped":
            continue
        message = result["statusDetails"]["message"]
        sorted_into.append(
            next(
                c["name"]
                for c in categories
                if "skipped" in c["matchedStatuses"] and re.fullmatch(c["messageRegex"], message)
            )
        )
    assert sorted(sorted_into) == ["Not in this appliance release", "Skipped by safety"]


def test_summary_fields(mixed: Run) -> None:
    summary = mixed.summary
    assert summary["target"].startswith("https://127.0.0.1:")
    assert summary["applianceVersion"] == "6.2"
    assert summary["contract"]["path"] == "specs/scv.openapi.yaml"
    assert len(summary["contract"]["sha256"]) == 64
    assert summary["startTime"].endswith("+00:00")
    assert summary["durationSeconds"] > 0
    assert isinstance(summary["seed"], int)
    assert summary["profile"] == "smoke"


def test_environment_properties(mixed: Run) -> None:
    text = (mixed.run_dir / "allure-results" / "environment.properties").read_text()
    values = dict(line.split("=", 1) for line in text.splitlines())
    summary = mixed.summary
    assert values["Target"] == summary["target"]
    assert values["Appliance.version"] == "6.2"
    assert values["Contract.sha256"] == summary["contract"]["sha256"]
    assert values["Contract.version"] == summary["contract"]["version"]
    assert values["Harness.version"] == "0.1.0"
    assert values["Seed"] == str(summary["seed"])
    assert values["Profile"] == "smoke"


def test_categories_and_no_executor_outside_ci(mixed: Run) -> None:
    results = mixed.run_dir / "allure-results"
    assert json.loads((results / "categories.json").read_text()) == CATEGORIES
    assert not (results / "executor.json").exists()


def test_markdown_summary(mixed: Run) -> None:
    text = (mixed.run_dir / "summary.md").read_text()
    assert "INCOMPLETE" in text
    assert "| createResourceGroup | failed | 1 | 1 | 0 | 0 |" in text
    assert "| restoreVm | failed | waitForRestore |" in text
    assert "curl -k -X GET https://scv/api/createResourceGroup" in text


def test_console_table(mixed: Run) -> None:
    assert "createResourceGroup" in mixed.output
    assert "failed at step waitForRestore" in mixed.output
    assert "5 passed, 2 failed, 1 errors, 2 skipped" in mixed.output
    assert str(mixed.run_dir.name) in mixed.output


def test_no_secret_in_any_file(mixed: Run) -> None:
    for path in mixed.run_dir.rglob("*"):
        if path.is_file():
            assert DEFAULT_PASSWORD.encode() not in path.read_bytes(), path


def test_max_failures_stops_the_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """One process counts the failures of both suites and stops at the limit."""
    run = run_fakes(monkeypatch, tmp_path, "mixed", max_failures=1)
    totals = run.summary["totals"]
    assert totals["failed"] + totals["errors"] == 1
    assert totals["total"] < 10
    assert [p.name for p in (run.run_dir / ".run").glob("manifest*.json")] == ["manifest.json"]
    assert json.loads((run.run_dir / ".run" / "manifest.json").read_text())["max_failures"] == 1
