"""`--write-baseline` and `--baseline`: a nightly run fails only on new failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.core.errors import UsageError
from conformance.reporting.baseline import Baseline, Entry, apply_baseline, load_baseline
from conformance.reporting.junit import read_counts
from tests.runner.conftest import use_fakes

pytestmark = pytest.mark.integration

KNOWN = {
    "operation:createResourceGroup:check:status_code_conformance",
    "workflow:restoreVm:step:waitForRestore",
}


def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    reports: Path,
    fakes: str,
    *options: str,
) -> tuple[int, dict[str, Any], str, str]:
    """`scv-conformance run` over the stand-in suites ``fakes``: code, summary, md, console."""
    use_fakes(monkeypatch, fakes)
    before = set(reports.iterdir()) if reports.exists() else set()
    code = main(["run", "--report-dir", str(reports), "--seed", "5", *options])
    (run_dir,) = set(reports.iterdir()) - before
    console = capsys.readouterr()
    summary = json.loads((run_dir / "summary.json").read_text())
    return code, summary, (run_dir / "summary.md").read_text(), console.out + console.err


def newest(reports: Path) -> Path:
    return max(reports.iterdir(), key=lambda p: p.stat().st_mtime_ns)


def keys(entries: list[dict[str, str]]) -> set[str]:
    return {e["key"] for e in entries}


def test_known_failures_are_accepted_and_fixed_ones_listed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    reports, baseline = tmp_path / "reports", tmp_path / "baseline.json"

    code, summary, _, console = run(
        monkeypatch, capsys, reports, "known", "--write-baseline", str(baseline)
    )
    assert code == 1 and summary["status"] == "failures"
    written = json.loads(baseline.read_text())
    assert keys(written["accepted"]) == KNOWN
    assert all(e["message"] for e in written["accepted"])
    assert f"baseline written: {baseline} (2 entries)" in console

    code, summary, markdown, console = run(
        monkeypatch, capsys, reports, "known", "--baseline", str(baseline)
    )
    assert code == 0 and summary["exitCode"] == 0 and summary["status"] == "accepted"
    assert keys(summary["baseline"]["accepted"]) == KNOWN
    assert summary["baseline"]["new"] == summary["baseline"]["noLongerFailing"] == []
    assert all(f["accepted"] for f in summary["failures"])
    assert "ACCEPTED" in markdown and "**Accepted (known failures that still fail): 2**" in markdown
    assert "accepted: workflow:restoreVm:step:waitForRestore" in console
    # a CI JUnit step shows the accepted failures as expected ones, not red
    junit = newest(reports) / "junit.xml"
    assert read_counts(junit).failures == 0 and read_counts(junit).errors == 0
    assert junit.read_text().count("known failure, accepted by") == len(KNOWN)

    code, summary, markdown, console = run(
        monkeypatch, capsys, reports, "regressed", "--baseline", str(baseline)
    )
    assert code == 1 and summary["status"] == "failures"
    assert keys(summary["baseline"]["new"]) == {"operation:getJob:check:status_code_conformance"}
    assert "new: operation:getJob:check:status_code_conformance" in console
    assert "**New (not in the baseline): 1**" in markdown
    assert read_counts(newest(reports) / "junit.xml").failures == 1  # only the new one

    code, summary, markdown, console = run(
        monkeypatch, capsys, reports, "fixed", "--baseline", str(baseline)
    )
    assert code == 0 and summary["status"] == "conformant"
    assert keys(summary["baseline"]["noLongerFailing"]) == KNOWN
    assert "**No longer fails (remove from the baseline): 2**" in markdown
    assert "no longer fails: operation:createResourceGroup" in console


def test_entries_outside_the_run_are_not_checked_rather_than_fixed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    reports, baseline = tmp_path / "reports", tmp_path / "baseline.json"
    run(monkeypatch, capsys, reports, "known", "--write-baseline", str(baseline))
    code, summary, _, _ = run(
        monkeypatch, capsys, reports, "known", "--only", "fuzz", "--baseline", str(baseline)
    )
    assert code == 0
    assert keys(summary["baseline"]["notChecked"]) == {"workflow:restoreVm:step:waitForRestore"}
    assert summary["baseline"]["noLongerFailing"] == []


def test_errors_are_never_accepted() -> None:
    summary = {
        "status": "error",
        "exitCode": 3,
        "operations": {},
        "workflows": {},
        "failures": [
            {"status": "error", "operationId": "getJob", "check": "c", "message": "refused"}
        ],
    }
    key = "operation:getJob:check:c"
    accepted = Baseline(Path("baseline.json"), {key: Entry(key, "getJob", "c", "")})
    settled = apply_baseline(summary, accepted)
    assert settled["exitCode"] == 3 and settled["status"] == "error"


@pytest.mark.parametrize(
    "content",
    [
        None,
        "{oops",
        json.dumps({"format": 9, "accepted": []}),
        json.dumps({"format": 1, "accepted": [{"key": "getJob"}]}),
    ],
)
def test_bad_baseline_is_a_one_line_usage_error_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None
) -> None:
    file = tmp_path / "baseline.json"
    if content is not None:
        file.write_text(content)
    reports = tmp_path / "reports"
    assert main(["run", "--report-dir", str(reports), "--baseline", str(file)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scv-conformance: error: --baseline:") and err.count("\n") == 1
    assert not reports.exists()
    with pytest.raises(UsageError):
        load_baseline(file)


def test_unwritable_baseline_path_is_refused_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no" / "such" / "baseline.json"
    assert main(["fuzz", "--report-dir", str(tmp_path), "--write-baseline", str(target)]) == 2
    assert "--write-baseline" in capsys.readouterr().err
