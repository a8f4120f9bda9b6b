"""The step a workflow failed in is red in Allure, with the failure and its reproduce."""

from __future__ import annotations

import pytest
from allure_commons.model2 import Status, TestResult, TestStepResult

from conformance.http.session import Exchange
from conformance.scenarios.arazzo.failures import StepFailure
from conformance.scenarios.deferred_report import call_title, mark_failed_steps

pytestmark = pytest.mark.unit


class FakeExchange:
    method = "POST"
    url = "https://scv/api/4.1/policies"
    status_code = 201

    def as_curl(self) -> str:
        return "curl -k -X POST https://scv/api/4.1/policies -H 'Authorization: $SCV_TOKEN'"


def exchange(method: str, url: str, status: int) -> Exchange:
    return Exchange(method, url, {"Token": "[REDACTED]"}, "", status, {}, "{}", 1.0)


def test_the_failing_step_is_red_and_carries_its_reproduce_command() -> None:
    steps = [
        TestStepResult(name="createPolicy: POST /api/4.1/policies → 201", status=Status.PASSED),
        TestStepResult(name="readPolicy: GET /api/4.1/policies/7 → 200", status=Status.PASSED),
        TestStepResult(name="readPolicy: GET /api/4.1/policies/7 → 500", status=Status.PASSED),
        TestStepResult(
            name="cleanupPolicy: DELETE /api/4.1/policies/7 → 200", status=Status.PASSED
        ),
    ]
    test = TestResult(steps=list(steps))
    failure = StepFailure("policyLifecycle", "readPolicy", "status", "HTTP 500", FakeExchange())
    mark_failed_steps(test, [failure])
    assert [s.status for s in test.steps] == [
        Status.PASSED,
        Status.PASSED,
        Status.FAILED,
        Status.PASSED,
    ]
    details = test.steps[2].statusDetails
    assert details.message == "policyLifecycle/readPolicy: HTTP 500"
    assert "curl -k -X POST" in details.trace
    mark_failed_steps(None, [failure])  # without Allure nothing to mark


def test_a_failing_step_of_a_workflow_the_cleanup_called_is_red() -> None:
    """A cleanup's step is named cleanUp/stepId; of its calls, the failing exchange's."""
    check = exchange("GET", "https://scv/api/vcenter/vm/vm-106", 200)
    steps = [
        TestStepResult(name="attachVmdks: POST /api/4.1/vm/vm-106/attachvmdks → 200"),
        TestStepResult(
            name="cleanUp/detachAttachedVmdk: POST /api/4.1/vm/vm-106/detachvmdks → 200"
        ),
        TestStepResult(name=call_title("cleanUp/checkDiskGone", check)),
        # the vCenter session closes after the step, under the step's name
        TestStepResult(name="cleanUp/checkDiskGone: DELETE /api/session → 204"),
    ]
    for step in steps:
        step.status = Status.PASSED
    test = TestResult(steps=steps)
    failure = StepFailure(
        "attachVmdk",
        "cleanUp",
        "cleanup",
        "cleanup failed: detachVmdkFromVm/checkDiskGone: not met",
        check,
        path="cleanUp/checkDiskGone",
    )
    mark_failed_steps(test, [failure])
    assert [s.status for s in test.steps] == [
        Status.PASSED,
        Status.PASSED,
        Status.FAILED,
        Status.PASSED,
    ]
    details = test.steps[2].statusDetails
    assert details.message.startswith("attachVmdk/cleanUp: cleanup failed: ")
    assert "curl -k -X GET" in details.trace and "vcenter/vm/vm-106" in details.trace
