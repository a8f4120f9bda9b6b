"""The step a workflow failed in is red in Allure, with the failure and its reproduce."""

from __future__ import annotations

import pytest
from allure_commons.model2 import Status, TestResult, TestStepResult

from conformance.scenarios.arazzo.failures import StepFailure
from conformance.scenarios.deferred_report import mark_failed_steps

pytestmark = pytest.mark.unit


class FakeExchange:
    def as_curl(self) -> str:
        return "curl -k -X POST https://scv/api/4.1/policies -H 'Authorization: $SCV_TOKEN'"


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
