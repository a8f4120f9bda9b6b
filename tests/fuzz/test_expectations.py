"""Statuses a valid request may get come from the contract, business rules included."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.contract.spec import Operation, load_contract
from conformance.fuzz.expectations import positive_statuses

pytestmark = pytest.mark.unit

CONTRACT = load_contract()
WITH_RULES = {
    "backupResourceGroupNow",
    "mountDatastoreBackup",
    "unmountDatastore",
    "attachVmdks",
    "detachVmdks",
    "restoreVm",
    "restoreVmdks",
    "failJobs",
    "modifySchedule",
    "updateSyslogCert",
    "updateResourceGroup",
    "createResourceGroup",
}


def test_the_operations_with_business_rules_are_those_the_contract_names() -> None:
    assert {op.operation_id for op in CONTRACT.operations if op.business_rules} == WITH_RULES


@pytest.mark.parametrize("op", CONTRACT.operations, ids=lambda op: op.operation_id)
def test_a_valid_request_may_get_400_exactly_when_a_rule_says_so(op: Operation) -> None:
    assert ("400" in positive_statuses(op)) == bool(op.business_rules)


@pytest.mark.parametrize(
    "op", [op for op in CONTRACT.operations if op.business_rules], ids=lambda op: op.operation_id
)
def test_every_rule_states_its_status_text_and_evidence(op: Operation) -> None:
    for rule in op.business_rules:
        assert rule.status in op.definition["responses"]
        assert len(rule.rule) > 20 and "\n" not in rule.rule
        assert rule.evidence in {"doc", "client", "assumption"}
        assert (rule.source is not None) == (rule.evidence != "assumption")


def test_the_documented_restore_rules_are_in_the_contract() -> None:
    rules = CONTRACT.operation("restoreVm").business_rules
    assert any("restartVM" in r.rule and r.evidence == "doc" for r in rules)
    assert any("template" in r.rule and r.evidence == "doc" for r in rules)


def test_a_rule_added_to_the_contract_reaches_the_expectations() -> None:
    op = CONTRACT.operation("updatePolicy")
    assert "400" not in positive_statuses(op)
    rule = {"status": 400, "rule": "The name must be unique per vCenter.", "x-evidence": "doc"}
    ruled = replace(op, definition={**op.definition, "x-scv-business-rules": [rule]})
    assert "400" in positive_statuses(ruled)


def test_either_snapshot_location_path_may_be_unserved() -> None:
    for op_id in ("getDatastoreSnapshotLocations", "getDatastoreSnapshotLocators"):
        assert "404" in positive_statuses(CONTRACT.operation(op_id))
