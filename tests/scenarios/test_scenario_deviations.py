"""Criteria marked as assumptions: a failed one is a deviation, and the workflow goes on."""

from __future__ import annotations

from typing import Any

import pytest
from scenario_helpers import JOB_TIMEOUT, find_workflow

from conformance.http.session import ScvSession, Target
from conformance.scenarios import extensions, harness, inventory
from conformance.scenarios.arazzo.engine import RunResult
from conformance.scenarios.vcenter import VcenterClient
from tests.lenient_appliance import UNMOUNT_JOB_TYPE, RunningAppliance, serve_lenient

pytestmark = pytest.mark.integration


def _run(appliance: RunningAppliance, workflow_id: str, calls: list[str]) -> RunResult:
    document, workflow = find_workflow(workflow_id)
    target = Target(
        appliance.base_url,
        appliance.username,
        appliance.password,
        verify=False,
        vcenter_url=appliance.vcenter_url,
        embedded=True,
    )
    session = ScvSession(target)
    vcenter = VcenterClient(appliance.vcenter_url, appliance.username, appliance.password)
    try:
        wanted = list((workflow.input_schema.get("properties") or {}).keys())
        inputs = inventory.resolve_inventory(
            inventory.EMULATOR_INVENTORY,
            wanted,
            lambda path, name: vcenter.get_json(path, names=name),
        )
        inputs.update(harness.credential_inputs(appliance.username, appliance.password, wanted))
        engine = harness.engine(
            document,
            session,
            vcenter,
            job_timeout=JOB_TIMEOUT * 4,
            on_call=lambda step, exchange: calls.append(step),
        )
        return engine.run(workflow, inputs)
    finally:
        session.close()
        vcenter.close()


def test_a_criterion_takes_its_steps_evidence_unless_it_has_its_own() -> None:
    criterion: dict[str, Any] = {"condition": "$statusCode == 200"}
    assert not extensions.assumed({}, criterion)
    assert extensions.assumed({"x-evidence": "assumption"}, criterion)
    assert extensions.assumed({}, {**criterion, "x-evidence": "assumption"})
    assert not extensions.assumed({"x-evidence": "assumption"}, {**criterion, "x-evidence": "doc"})


def test_an_assumed_job_type_answered_otherwise_is_a_deviation_and_the_workflow_goes_on() -> None:
    calls: list[str] = []
    with serve_lenient() as appliance:
        result = _run(appliance, "unmountDatastoreBackup", calls)
    assert result.error() is None, result.error()
    (soft,) = result.soft_failures
    assert soft.workflow_id == "unmountDatastoreBackup"
    assert "jobType == 'unmountBackup'" in soft.detail
    assert soft.exchange is not None and UNMOUNT_JOB_TYPE in soft.exchange.response_body
    # the steps after the deviating one still ran, and their documented checks held
    assert calls.index(soft.step_id) < len(calls) - 1
    assert calls[-1] != soft.step_id
