"""Errors of the scenario engine."""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.core.errors import ConformanceFailure, UsageError
from conformance.core.session import Exchange


class ScenarioDocumentError(UsageError):
    """An Arazzo document that cannot be used: one line naming the file and the problem."""


class ExpressionError(ValueError):
    """A runtime expression that does not parse."""


class UnresolvedExpression(LookupError):
    """A runtime expression that parses but points at nothing (yet)."""


@dataclass
class Attachment:
    """A named text attached to a failure (job logs, job status)."""

    name: str
    text: str


@dataclass
class StepFailure(ConformanceFailure):
    """A failed workflow step; ``check`` says which kind of check failed.

    The message names the workflow, the step and what failed.
    """

    workflow_id: str
    step_id: str
    check: str
    detail: str
    exchange: Exchange | None = None
    attachments: list[Attachment] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.workflow_id}/{self.step_id}: {self.detail}"
