"""Deviations in the reports: summary.json, summary.md, the console, baselines."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from conformance.contract import deviation
from conformance.core.item_keys import LABEL_PREFIX, NODEID_LABEL
from conformance.reporting.allure_results import ResultRecord
from conformance.reporting.baseline import Baseline, Entry, apply_baseline, entry_key
from conformance.reporting.console import print_summary
from conformance.reporting.markdown import render
from conformance.reporting.summary import RunFacts, build_summary

pytestmark = pytest.mark.unit

CURL = "curl -X GET -H 'Token: $SCV_TOKEN' http://127.0.0.1:1/api/4.1/audit/config"
TEXT = "getAuditConfig: response_schema_conformance deviated from our assumptions on 1 of 5"


def _result(check: str, status: str, *, deviates: bool = False, message: str = "") -> ResultRecord:
    labels = {
        NODEID_LABEL: f"specs/scv.openapi.yaml::getAuditConfig::{check}",
        LABEL_PREFIX + "suite": "fuzz",
        LABEL_PREFIX + "operationId": "getAuditConfig",
        LABEL_PREFIX + "check": check,
    }
    if deviates:
        labels[LABEL_PREFIX + deviation.VERDICT_PROPERTY] = deviation.DEVIATION
        labels[LABEL_PREFIX + deviation.MESSAGE_PROPERTY] = TEXT
        labels[LABEL_PREFIX + "reproduce"] = CURL
    return ResultRecord(
        nodeid=labels[NODEID_LABEL], name=check, status=status, message=message, labels=labels
    )


def _facts(strict: bool) -> RunFacts:
    return RunFacts(
        target="http://127.0.0.1:1/api",
        appliance_version="6.2",
        contract_path="specs/scv.openapi.yaml",
        contract_sha256="0" * 64,
        contract_version="1.0.0",
        start_time="2026-01-01T00:00:00+00:00",
        duration_seconds=1.0,
        seed=1,
        profile="smoke",
        suites=("fuzz",),
        strict=strict,
    )


def _summary(strict: bool) -> dict[str, Any]:
    status = "failed" if strict else "passed"
    message = deviation.tagged(TEXT) if strict else ""
    results = [
        _result("response_schema_conformance", status, deviates=True, message=message),
        _result("not_a_server_error", "passed"),
    ]
    return build_summary(results, _facts(strict))


def test_a_deviation_alone_leaves_the_run_conformant_and_is_listed_with_its_reproduction() -> None:
    summary = _summary(strict=False)
    assert (summary["status"], summary["exitCode"], summary["strict"]) == ("conformant", 0, False)
    assert summary["failures"] == []
    (entry,) = summary["deviations"]
    assert entry["operationId"] == "getAuditConfig"
    assert entry["check"] == "response_schema_conformance"
    assert entry["message"] == TEXT and entry["reproduce"] == CURL
    assert summary["totals"]["passed"] == 2, "a deviation's test passed"


def test_under_strict_the_deviation_fails_the_run_and_stays_a_deviation() -> None:
    summary = _summary(strict=True)
    assert (summary["status"], summary["exitCode"], summary["strict"]) == ("failures", 1, True)
    assert summary["failures"] == []
    assert summary["deviations"][0]["message"] == TEXT, "the tag is not part of the text"
    assert summary["totals"]["failed"] == 1


def test_summary_md_has_its_own_section_and_says_conformant_with_deviations() -> None:
    text = render(_summary(strict=False))
    assert "CONFORMANT: no failures; 1 deviations from our assumptions" in text
    section = text.split("## Deviations from our assumptions", 1)[1]
    assert "getAuditConfig / response_schema_conformance" in section
    assert TEXT in section and CURL in section
    assert "do not fail the run" in section
    assert "## Failures" not in text
    assert "Under --strict each one fails the run." in render(_summary(strict=True))


def test_summary_md_shows_a_reproduce_command_once() -> None:
    summary = _summary(strict=False)
    with_command = f"{TEXT}\n\nReproduce (...):\n  {CURL}"
    summary["deviations"] = [{**summary["deviations"][0], "message": with_command}]
    assert render(summary).count(CURL) == 1  # the message has it: no second block
    summary["deviations"] = [{**summary["deviations"][0], "message": TEXT}]
    assert render(summary).count(CURL) == 1  # the message lacks it: the block gives it


def test_the_console_lists_each_deviation_on_a_line() -> None:
    out = io.StringIO()
    print_summary(Console(file=out, width=200), _summary(strict=False), Path("reports/x"))
    text = out.getvalue()
    assert "1 deviations from our assumptions (not failures):" in text
    short = TEXT.removeprefix("getAuditConfig: ")
    assert f"  deviation: getAuditConfig / response_schema_conformance: {short}" in text


def test_a_baseline_accepts_a_strict_deviation_by_its_deviation_key() -> None:
    summary = _summary(strict=True)
    key = entry_key(summary["deviations"][0], deviation=True)
    assert key == "deviation:operation:getAuditConfig:check:response_schema_conformance"
    baseline = Baseline(
        Path("b.json"), {key: Entry(key, "getAuditConfig", "response_schema_conformance", "")}
    )
    assert apply_baseline(summary, baseline)["exitCode"] == 0
    assert apply_baseline(summary, Baseline(Path("b.json"), {}))["exitCode"] == 1
