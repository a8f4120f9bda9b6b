"""`scv-conformance diff`: regressions, fixes and other changes between two runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.reporting.diff import compare
from conformance.reporting.diff_report import render

pytestmark = pytest.mark.unit


def summary(
    checks: dict[str, str],
    workflows: dict[str, tuple[str, str | None]],
    sha: str = "a" * 64,
    version: str = "5.0",
) -> dict[str, Any]:
    return {
        "applianceVersion": version,
        "startTime": "2026-11-27T20:00:00+00:00",
        "status": "conformant",
        "contract": {"path": "specs/scv.openapi.yaml", "sha256": sha, "version": "1.0.0"},
        "operations": {"getJobs": {"status": "passed", "checks": checks}},
        "workflows": {
            name: {"status": s, "failedStep": step} for name, (s, step) in workflows.items()
        },
    }


def write(tmp_path: Path, name: str, content: dict[str, Any]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps(content))
    return folder


BEFORE = summary(
    {"status_code_conformance": "passed", "scv_uri_null": "failed", "ignored_auth": "passed"},
    {"restoreVm": ("passed", None), "auditLogs": ("skipped", None)},
    version="4.5",
)
AFTER = summary(
    {"status_code_conformance": "failed", "scv_uri_null": "passed", "use_after_free": "passed"},
    {"restoreVm": ("failed", "waitForRestoreJob"), "auditLogs": ("passed", None)},
    version="4.8",
)


def test_every_changed_check_and_workflow_is_classified() -> None:
    changes = {(c.subject, c.detail): c for c in compare(BEFORE, AFTER).changes}
    assert changes[("getJobs", "status_code_conformance")].kind == "regression"
    assert changes[("getJobs", "scv_uri_null")].kind == "fixed"
    assert changes[("getJobs", "ignored_auth")].after == "absent"
    assert changes[("getJobs", "use_after_free")].before == "absent"
    broke = changes[("restoreVm", "workflow (step waitForRestoreJob)")]
    assert broke.kind == "broke" and broke.regression
    assert changes[("auditLogs", "workflow")].kind == "changed"
    assert len(changes) == 6


def test_rendering_lists_regressions_first_and_both_versions() -> None:
    text = render(compare(BEFORE, AFTER))
    assert "| Appliance version | 4.5 | 4.8 |" in text
    rows = [
        line
        for line in text.splitlines()
        if line.startswith("| regression")
        or line.startswith("| fixed")
        or line.startswith("| changed")
    ]
    assert rows[0].startswith("| regression") and rows[-1].startswith("| changed")
    assert "2 regressions, 1 fixed, 3 other changes." in text


def test_identical_runs_have_no_changes_and_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = write(tmp_path, "a", BEFORE), write(tmp_path, "b", BEFORE)
    assert main(["diff", str(first), str(second / "summary.json")]) == 0
    assert "No check and no workflow changed status." in capsys.readouterr().out


def test_regressions_exit_1_and_a_changed_contract_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    later = dict(AFTER, contract=dict(AFTER["contract"], sha256="b" * 64))
    assert main(["diff", str(write(tmp_path, "a", BEFORE)), str(write(tmp_path, "b", later))]) == 1
    assert "different contracts" in capsys.readouterr().out


def test_runs_of_another_scope_are_compared_only_on_what_both_ran() -> None:
    flows = {**AFTER["workflows"], "newFlow": {"status": "passed", "failedStep": None}}
    later = dict(AFTER, contract=dict(AFTER["contract"], sha256="b" * 64), workflows=flows)
    changes = {(c.subject, c.detail) for c in compare(BEFORE, later).changes}
    assert not any(subject == "newFlow" for subject, _ in changes)
    assert ("getJobs", "status_code_conformance") in changes
    assert ("restoreVm", "workflow (step waitForRestoreJob)") in changes
    assert ("getJobs", "ignored_auth") not in changes, "only before: not compared"
    assert ("getJobs", "use_after_free") not in changes, "only after: not compared"
    assert ("getJobs", "ignored_auth") in {
        (c.subject, c.detail) for c in compare(BEFORE, AFTER).changes
    }


def test_bad_input_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "junk.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"a": 1}')
    for argv in (
        ["diff", str(tmp_path / "none"), str(tmp_path / "none")],
        ["diff", str(tmp_path / "junk.json"), str(tmp_path / "junk.json")],
        ["diff", str(tmp_path / "other.json"), str(tmp_path / "other.json")],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("scv-conformance: error: diff:") and err.count("\n") == 1
