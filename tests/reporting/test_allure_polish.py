"""The last pass over Allure results: own time spans, no duplicate labels, no class names."""

from __future__ import annotations

import pytest

from conformance.reporting.allure_polish import clean_message, polish_result

pytestmark = pytest.mark.unit


def test_a_result_is_polished() -> None:
    result = {
        "start": 1000,
        "stop": 1001,
        "labels": [
            {"name": "tag", "value": "vm"},
            {"name": "tag", "value": "vm"},
            {"name": "tag", "value": "restore"},
            {"name": "scv.start", "value": "400"},
            {"name": "scv.stop", "value": "900"},
        ],
        "statusDetails": {
            "message": "conformance.core.errors.InfrastructureError: getJobs: x could not run"
        },
    }
    assert polish_result(result)
    assert (result["start"], result["stop"]) == (400, 900)
    assert result["labels"] == [{"name": "tag", "value": "vm"}, {"name": "tag", "value": "restore"}]
    assert result["statusDetails"]["message"] == "getJobs: x could not run"
    assert not polish_result(result)


def test_only_class_names_go() -> None:
    assert clean_message("AssertionError: the body differs") == "the body differs"
    assert clean_message("Failed: restoreVm/mount: HTTP 500") == "restoreVm/mount: HTTP 500"
    assert clean_message("getJobs: status_code_conformance failed") == (
        "getJobs: status_code_conformance failed"
    )
    assert clean_message("Skipped: [safety] x") == "Skipped: [safety] x"
    assert clean_message("restoreVm: TargetUnreachable: ...") == "restoreVm: TargetUnreachable: ..."


def test_a_passed_deviation_carries_its_text_as_message() -> None:
    text = "getAuditConfig: response_schema_conformance deviated (an assumption)"
    result = {
        "status": "passed",
        "labels": [
            {"name": "scv.verdict", "value": "deviation"},
            {"name": "scv.deviation", "value": text},
        ],
    }
    assert polish_result(result)
    assert result["statusDetails"] == {"message": f"[deviation] {text}"}
    assert not polish_result(result)
    plain = {"status": "passed", "labels": [{"name": "scv.deviation", "value": text}]}
    assert not polish_result(plain) and "statusDetails" not in plain
    failed = {
        "status": "failed",
        "labels": result["labels"],
        "statusDetails": {"message": "[deviation] under --strict"},
    }
    assert not polish_result(failed)
