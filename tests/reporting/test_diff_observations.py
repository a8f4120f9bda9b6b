"""`diff` over observations.json: operations, answer fields, status codes, latencies, scope."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.reporting.diff import diff_runs

pytestmark = pytest.mark.unit

CONTRACT = {"path": "specs/scv.openapi.yaml", "sha256": "a" * 64, "version": "1.0.0"}


def summary(version: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "target": "https://scv.lab:8144/api",
        "applianceVersion": version,
        "startTime": "2026-11-27T20:00:00+00:00",
        "status": "conformant",
        "profile": "full",
        "seed": 7,
        "suites": ["fuzz", "scenarios"],
        "contract": CONTRACT,
        "operations": {
            op: {"status": "passed", "checks": {"status_code_conformance": "passed"}}
            for op in ("getPolicies", "getResourceGroups", "updateResourceGroup", "getJobs")
        },
        "workflows": {"backupNow": {"status": "passed", "failedStep": None}},
    }
    base.update(extra)
    return base


def operation(
    codes: dict[str, dict[str, int]], shapes: dict[str, dict[str, str]], p95: float
) -> dict[str, Any]:
    count = sum(sum(c.values()) for c in codes.values())
    return {
        "status_codes": codes,
        "shapes": shapes,
        "latency_ms": {"count": count, "median": p95 / 2, "p95": p95},
    }


def observations(version: str) -> dict[str, Any]:
    return {
        "format": 1,
        "target": "https://scv.lab:8144/api",
        "appliance_version": version,
        "profile": "full",
        "seed": 7,
        "operations": {
            "getPolicies": operation(
                {"valid": {"200": 20}, "invalid": {"400": 5}},
                {
                    "200": {
                        "response[].frequency": "string",
                        "response[].name": "string",
                        "response[].retention": "integer",
                    },
                    "400": {"responseMessage": "string"},
                },
                12.0,
            ),
            "getResourceGroups": operation(
                {"valid": {"200": 20}}, {"200": {"response[].id": "integer"}}, 20.0
            ),
            "updateResourceGroup": operation(
                {"valid": {"200": 8}, "unknown id": {"404": 4}},
                {"200": {"response.id": "integer"}},
                30.0,
            ),
            "getJobs": operation(
                {"valid": {"200": 10}}, {"200": {"response[].id": "integer"}}, 9.0
            ),
        },
        "workflows": {"backupNow": {"outcome": "passed", "failing_step": None, "duration_s": 3.0}},
    }


def write_run(tmp_path: Path, name: str, summ: dict[str, Any], obs: Any | None) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps(summ))
    if obs is not None:
        (folder / "observations.json").write_text(obs if isinstance(obs, str) else json.dumps(obs))
    return folder


def upgraded() -> dict[str, Any]:
    """The next release as seen by the harness: one of each kind of difference."""
    after = observations("6.3")
    policies = after["operations"]["getPolicies"]["shapes"]["200"]
    del policies["response[].frequency"]
    policies["response[].frequencyType"] = "string"
    policies["response[].retention"] = "integer|null"
    after["operations"]["updateResourceGroup"]["status_codes"]["unknown id"] = {"422": 4}
    after["operations"]["getResourceGroups"]["latency_ms"].update(p95=1500.0, median=1400.0)
    after["operations"]["getJobs"]["shapes"]["200"]["response[].id"] = "integer"
    after["operations"]["getStorageSummary"] = operation(
        {"valid": {"200": 3}}, {"200": {"response.total": "integer"}}, 5.0
    )
    return after


def test_each_difference_of_an_upgrade_is_named_once(tmp_path: Path) -> None:
    before = write_run(tmp_path, "before", summary("6.2"), observations("6.2"))
    after_summary = summary("6.3")
    after_summary["operations"]["getStorageSummary"] = {
        "status": "passed",
        "checks": {"status_code_conformance": "passed"},
    }
    before_summary = summary("6.2")
    before_summary["operations"]["getStorageSummary"] = {
        "status": "skipped",
        "checks": {"status_code_conformance": "skipped"},
    }
    (before / "summary.json").write_text(json.dumps(before_summary))
    after = write_run(tmp_path, "after", after_summary, upgraded())

    diff = diff_runs(str(before), str(after))
    found = {(c.kind, c.subject, c.detail, c.before, c.after) for c in diff.changes}
    assert found == {
        ("field removed", "getPolicies", "200 response[].frequency", "string", "absent"),
        ("field added", "getPolicies", "200 response[].frequencyType", "absent", "string"),
        ("field retyped", "getPolicies", "200 response[].retention", "integer", "integer|null"),
        ("new status code", "updateResourceGroup", "unknown id input", "404 (4)", "422 (4)"),
        ("slower", "getResourceGroups", "p95 +7400%", "20 ms", "1500 ms"),
        ("operation added", "getStorageSummary", "answers", "not served", "served"),
    }
    regressions = {(c.kind, c.subject) for c in diff.regressions}
    assert regressions == {
        ("field removed", "getPolicies"),
        ("field retyped", "getPolicies"),
        ("new status code", "updateResourceGroup"),
        ("slower", "getResourceGroups"),
    }
    assert not diff.scope_warnings


def test_outputs_markdown_json_and_allure_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = write_run(tmp_path, "before", summary("6.2"), observations("6.2"))
    after = write_run(tmp_path, "after", summary("6.3"), upgraded())
    out = tmp_path / "out"
    assert main(["diff", str(before), str(after), "--out", str(out)]) == 1
    console = capsys.readouterr().out
    assert console == (out / "diff.md").read_text()
    for text in (
        "| Appliance version | 6.2 | 6.3 |",
        "| Profile | full | full |",
        "| Seed | 7 | 7 |",
    ):
        assert text in console
    assert "https://scv.lab:8144/api" in console
    document = json.loads((out / "diff.json").read_text())
    assert document["before"]["appliance_version"] == "6.2"
    assert document["after"]["seed"] == 7
    assert document["regressions"] == 4 and document["scopeDiffers"] is False
    assert document["changes"][0]["regression"] is True
    results = [json.loads(p.read_text()) for p in (out / "allure-results").glob("*-result.json")]
    assert len(results) == len(document["changes"]) == 6
    statuses = sorted(r["status"] for r in results)
    assert statuses == ["failed"] * 4 + ["passed"] * 2
    assert len({r["historyId"] for r in results}) == len(results)
    assert (
        "After.appliance.version=6.3"
        in (out / "allure-results" / "environment.properties").read_text()
    )


def test_latency_threshold_flag_and_floor(tmp_path: Path) -> None:
    before_obs = observations("6.2")
    after_obs = copy.deepcopy(before_obs)
    # +350%, +70 ms, the median too
    after_obs["operations"]["getResourceGroups"]["latency_ms"].update(p95=90.0, median=80.0)
    after_obs["operations"]["getJobs"]["latency_ms"].update(p95=30.0, median=25.0)  # only +21 ms
    before = write_run(tmp_path, "before", summary("6.2"), before_obs)
    after = write_run(tmp_path, "after", summary("6.2"), after_obs)
    assert [c.subject for c in diff_runs(str(before), str(after)).regressions] == [
        "getResourceGroups"
    ]
    assert main(["diff", str(before), str(after), "--latency-threshold", "400%"]) == 0
    assert main(["diff", str(before), str(after), "--latency-threshold", "3.0"]) == 1


def test_one_slow_answer_is_no_slower_operation(tmp_path: Path) -> None:
    """A busy machine delays one answer: the p95 jumps, the median stays."""
    before_obs = observations("6.2")
    after_obs = copy.deepcopy(before_obs)
    after_obs["operations"]["getResourceGroups"]["latency_ms"]["p95"] = 90.0  # +350%, +70 ms
    before = write_run(tmp_path, "before", summary("6.2"), before_obs)
    after = write_run(tmp_path, "after", summary("6.2"), after_obs)
    assert diff_runs(str(before), str(after)).changes == []


def test_status_codes_of_stateful_sequences_are_not_compared(tmp_path: Path) -> None:
    """Each stateful call is built from earlier answers: other answers, other inputs."""
    before_obs = observations("6.2")
    after_obs = copy.deepcopy(before_obs)
    for side, codes in ((before_obs, {"401": 5}), (after_obs, {"400": 1, "401": 6})):
        side["operations"]["getJobs"]["status_codes"]["stateful-negative"] = codes
    before = write_run(tmp_path, "before", summary("6.2"), before_obs)
    after = write_run(tmp_path, "after", summary("6.2"), after_obs)
    assert diff_runs(str(before), str(after)).changes == []


def test_an_operation_only_the_description_lists_is_added_or_gone(tmp_path: Path) -> None:
    """An operation the contract does not know is never called; the description names it."""
    before_obs = observations("6.2")
    before_obs["described_operations"] = {"GET /4.1/jobs/{id}": "getJob", "GET /4.1/x": None}
    after_obs = copy.deepcopy(before_obs)
    after_obs["described_operations"] = {
        "GET /4.1/jobs/{jobId}": "getJob",  # a renamed path parameter is the same operation
        "GET /4.1/appliance/info": "getApplianceInfo",
    }
    before = write_run(tmp_path, "before", summary("6.2"), before_obs)
    after = write_run(tmp_path, "after", summary("6.2"), after_obs)
    changes = diff_runs(str(before), str(after)).changes
    assert {(c.kind, c.subject, c.detail, c.regression) for c in changes} == {
        ("operation added", "getApplianceInfo", "GET /4.1/appliance/info", False),
        ("operation gone", "GET /4.1/x", "GET /4.1/x", True),
    }
    after_obs["described_operations"] = {}  # served no description: nothing to compare
    after = write_run(tmp_path, "after2", summary("6.2"), after_obs)
    assert diff_runs(str(before), str(after)).changes == []


def test_identical_observations_have_no_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = write_run(tmp_path, "before", summary("6.2"), observations("6.2"))
    after = write_run(tmp_path, "after", summary("6.2"), observations("6.2"))
    assert main(["diff", str(before), str(after)]) == 0
    assert "No check and no workflow changed status." in capsys.readouterr().out


def test_different_scope_warns_instead_of_listing_absent_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before_summary = summary("6.2")
    before_summary["operations"].update(
        {f"op{i}": {"status": "passed", "checks": {"c": "passed"}} for i in range(200)}
    )
    after_summary = summary("6.2", profile="smoke", suites=["fuzz"], workflows={})
    after_summary["operations"]["getJobs"]["checks"]["status_code_conformance"] = "failed"
    before = write_run(tmp_path, "before", before_summary, None)
    after = write_run(tmp_path, "after", after_summary, None)
    assert main(["diff", str(before), str(after)]) == 1
    text = capsys.readouterr().out
    assert "differ in scope" in text
    assert "- profile: full before, smoke after" in text
    assert "- suites: fuzz, scenarios before, fuzz after" in text
    assert "- operations: 200 only before, 0 only after" in text
    assert "absent" not in text
    assert "| regression | verdict | getJobs | status_code_conformance | passed | failed |" in text
    assert "no observations.json" in text


def test_deviations_are_compared_like_failures(tmp_path: Path) -> None:
    deviation = {"operationId": "getJobs", "check": "assumed_page_size", "message": "size 50"}
    before = write_run(tmp_path, "before", summary("6.2", deviations=[]), None)
    after = write_run(tmp_path, "after", summary("6.2", deviations=[deviation]), None)
    diff = diff_runs(str(before), str(after))
    assert [(c.kind, c.subject, c.detail) for c in diff.changes] == [
        ("new deviation", "getJobs", "assumed_page_size")
    ]
    back = diff_runs(str(after), str(before))
    assert [c.kind for c in back.changes] == ["deviation gone"]


@pytest.mark.parametrize(
    "content",
    ["{broken", json.dumps({"format": 2}), json.dumps({"format": 1, "operations": []})],
)
def test_bad_observations_are_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    before = write_run(tmp_path, "before", summary("6.2"), observations("6.2"))
    after = write_run(tmp_path, "after", summary("6.2"), content)
    assert main(["diff", str(before), str(after)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scv-conformance: error: diff:") and err.count("\n") == 1


def test_bad_threshold_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["diff", str(tmp_path), str(tmp_path), "--latency-threshold", "fast"])
    assert exit_info.value.code == 2


def test_a_documented_status_that_depends_on_state_is_no_regression(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One appliance, its state changed between the runs: a documented 404/409 now seen is
    listed, not a regression; an undocumented status still is."""
    before = write_run(tmp_path, "before", summary("6.2"), observations("6.2"))
    changed = observations("6.2")
    codes = changed["operations"]["updateResourceGroup"]["status_codes"]
    codes["valid"] = {"200": 5, "404": 2, "409": 1}  # documented: another object's state
    codes["unknown id"] = {"404": 3, "409": 1}  # documented too
    write = changed["operations"]["getPolicies"]["status_codes"]
    write["invalid"] = {"400": 4, "404": 1}  # getPolicies documents no 404
    after = write_run(tmp_path, "after", summary("6.2"), changed)
    diff = diff_runs(str(before), str(after))
    kinds = {(c.subject, c.detail): (c.kind, c.regression) for c in diff.changes}
    assert kinds == {
        ("updateResourceGroup", "valid input"): ("documented status code now seen", False),
        ("updateResourceGroup", "unknown id input"): ("documented status code now seen", False),
        ("getPolicies", "invalid input"): ("new status code", True),
    }
    assert main(["diff", str(before), str(after)]) == 1
    capsys.readouterr()
    # a documented 400 is no matter of state: a release that answers it is a regression
    codes["valid"] = {"200": 7, "400": 1}
    regressed = write_run(tmp_path, "after-400", summary("6.2"), changed)
    assert ("new status code", "updateResourceGroup") in {
        (c.kind, c.subject) for c in diff_runs(str(before), str(regressed)).regressions
    }
    codes["valid"] = {"200": 8}
    write["invalid"] = {"400": 5}
    after = write_run(tmp_path, "after-state-only", summary("6.2"), changed)
    assert main(["diff", str(before), str(after)]) == 0
