"""Errors of the scenario suite."""

from __future__ import annotations

from conformance.core.errors import ConformanceFailure, UsageError
from conformance.scenarios.arazzo.failures import StepFailure


class ScenarioDocumentError(UsageError):
    """A scenario document that cannot be used: one line naming the file and the problem."""


class WorkflowFailure(ConformanceFailure):
    """A workflow whose step the appliance answered wrongly (the engine's StepFailure)."""

    def __init__(self, failure: StepFailure, message: str | None = None) -> None:
        super().__init__(message or str(failure))
        self.failure = failure
