"""The end of a run on the console: each failure, and a headline that tells what was skipped."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from conformance.reporting.console import print_summary
from conformance.reporting.markdown import headline, render

pytestmark = pytest.mark.unit

CURL = 'curl -k -X GET -H "Token: $SCV_TOKEN" https://scv.lab:8144/api/4.1/jobs'
LOGIN = "export SCV_TOKEN=$(python3 -c '...' | curl ...)"


def summary(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "target": "https://scv.lab:8144/api",
        "applianceVersion": "6.2",
        "contract": {"path": "specs/scv.openapi.yaml", "sha256": "0" * 64, "version": "1"},
        "startTime": "2026-11-28T00:00:00+00:00",
        "durationSeconds": 3.0,
        "seed": 7,
        "profile": "smoke",
        "status": "conformant",
        "exitCode": 0,
        "totals": {"passed": 48, "failed": 0, "errors": 0, "skipped": 52, "total": 100},
        "operations": {},
        "workflows": {},
        "failures": [],
        "skipped": [{"test": f"t{i}", "reason": "r", "kind": "safety"} for i in range(50)]
        + [{"test": "v", "reason": "r", "kind": "version"}] * 2,
        "replay": "scv-conformance run --config lab.toml --only fuzz --seed 7",
        "tokenCommand": LOGIN,
    }
    base.update(overrides)
    return base


def shown(document: dict[str, Any]) -> str:
    buffer = io.StringIO()
    print_summary(Console(file=buffer, width=200), document, Path("reports/x"))
    return buffer.getvalue()


def test_the_headline_says_what_was_not_checked() -> None:
    assert headline(summary()) == (
        "CONFORMANT: every check that ran held — 52% of checks skipped "
        "(read-only: 50 safety skips, 2 not in the appliance's release)"
    )
    # a destructive run skips for safety too, but it was not read-only
    destructive = summary(custody={"equal": True})
    assert "(50 safety skips, 2 not in the appliance's release)" in headline(destructive)
    narrowed = summary(selection={"workflows": ["restoreVm"], "include_tag": ["vm"]})
    assert headline(narrowed).endswith("narrowed by --only, --include-tag")
    full = summary(totals={"passed": 9, "failed": 0, "errors": 0, "skipped": 0, "total": 9})
    assert headline(full) == "CONFORMANT: every check that ran held"
    assert "52% of checks skipped" in shown(summary())
    assert "52% of checks skipped" in render(summary())


def test_each_failure_is_shown_with_where_what_and_how_to_reproduce() -> None:
    failures = [
        {
            "suite": "fuzz",
            "status": "failed",
            "operationId": "getJobs",
            "check": "status_code_conformance",
            "message": "getJobs: status_code_conformance failed on 1 of 3 cases\n\n- Undocumented "
            f"HTTP status code\n\nReproduce ($SCV_TOKEN: ...):\n  {CURL}",
            "reproduce": CURL,
        },
        {
            "suite": "scenario",
            "status": "error",
            "workflowId": "restoreVm",
            "stepId": "waitForRestore",
            "check": None,
            "message": "restoreVm/waitForRestore: the job did not finish in 120 s",
            "reproduce": None,
        },
    ]
    text = shown(summary(status="failures", exitCode=1, failures=failures))
    assert "failed: getJobs · status_code_conformance" in text
    assert "Undocumented HTTP status code" in text
    assert text.count(CURL) == 1
    assert "error: workflow restoreVm · step waitForRestore" in text
    assert "the job did not finish in 120 s" in text
    assert LOGIN in text and "$SCV_PASSWORD" in text
    assert "replay: scv-conformance run --config lab.toml --only fuzz --seed 7" in text
    markdown = render(summary(status="failures", exitCode=1, failures=failures))
    assert LOGIN in markdown and "scv-conformance run --config lab.toml --only fuzz" in markdown
