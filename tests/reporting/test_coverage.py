"""Coverage: requests matched to operations, measured against the contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.contract.spec import load_contract
from conformance.core import coverage
from conformance.http import process
from conformance.reporting.coverage import build_coverage, read_records

pytestmark = pytest.mark.unit


def test_requests_are_matched_to_operations_and_measured(tmp_path: Path) -> None:
    contract = load_contract()
    recorder = coverage.start(contract)
    try:
        coverage.observe("GET", "https://scv.lab:8144/api/4.1/jobs?jobType=Backup", 200, ["Token"])
        coverage.observe("GET", "https://scv.lab:8144/api/4.1/jobs", 401, [])
        coverage.observe("GET", "https://scv.lab:8144/api/4.1/jobs", 418, [])
        coverage.observe("PUT", "https://scv.lab:8144/api/4.1/policies/7", 404, [])
        coverage.observe("GET", "https://scv.lab:8144/api/4.1/jobs+", 400, [])  # no operation
        coverage.observe("GET", "https://vcenter.lab/api/vcenter/vm", 200, [])  # not the SCV
        coverage.write(tmp_path)
    finally:
        process.COVERAGE.clear()
    assert recorder.requests == {"getJobs": 3, "updatePolicy": 1}
    view = build_coverage(contract, read_records(tmp_path))
    jobs = view["byOperation"]["getJobs"]
    assert jobs["requests"] == 3
    assert set(jobs["statusCodes"]["exercised"]) == {"200", "401"}
    assert jobs["statusCodes"]["undocumented"] == ["418"]
    assert "query:jobType" in jobs["parameters"]["exercised"]
    # a path parameter declared on the path item ($ref to components) counts when reached
    policy = view["byOperation"]["updatePolicy"]
    assert "path:policyId" in policy["parameters"]["documented"]
    assert policy["parameters"]["exercised"] == ["path:policyId"]
    assert view["operations"] == {"exercised": 2, "documented": len(contract.operations)}
    documented = sum(len(e["statusCodes"]["documented"]) for e in view["byOperation"].values())
    assert view["statusCodes"] == {"exercised": 3, "documented": documented}


def test_records_of_several_processes_add_up(tmp_path: Path) -> None:
    (tmp_path / "coverage-1.json").write_text(
        '{"getJobs": {"requests": 2, "statuses": {"200": 2}, "parameters": []}}'
    )
    (tmp_path / "coverage-2.json").write_text(
        '{"getJobs": {"requests": 1, "statuses": {"200": 1, "401": 1}, '
        '"parameters": ["query:jobType"]}}'
    )
    records = read_records(tmp_path)
    assert records["getJobs"]["requests"] == 3
    assert records["getJobs"]["statuses"] == {"200": 3, "401": 1}
    assert records["getJobs"]["parameters"] == {"query:jobType"}
