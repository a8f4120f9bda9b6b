"""Errors of the Arazzo engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class DocumentError(ValueError):
    """An Arazzo document that cannot be used: one line naming the problem."""


class ExpressionError(ValueError):
    """A runtime expression that does not parse."""


class UnresolvedExpression(LookupError):
    """A runtime expression that parses but points at nothing (yet)."""


class Stopped(KeyboardInterrupt):
    """The run was asked to stop: the workflow started no further step (its cleanup ran)."""


@dataclass
class Attachment:
    """A named text attached to a failure (job logs, job status)."""

    name: str
    text: str


@dataclass(frozen=True)
class Unmet:
    """A criterion that did not hold, and what the runtime expressions of its condition
    were then (those that pointed at nothing left out)."""

    criterion: Mapping[str, Any]
    values: Mapping[str, Any]


@dataclass
class StepFailure(Exception):
    """A failed workflow step; ``check`` says which kind of check failed.

    ``exchange`` is what the source's client last reported (its own record of the call).
    """

    workflow_id: str
    step_id: str
    check: str
    detail: str
    exchange: Any = None
    attachments: list[Attachment] = field(default_factory=list)
    #: For a step whose success criteria did not hold: which, and with what values.
    unmet: tuple[Unmet, ...] = ()
    #: The step as its calls are named (``cleanUp/checkDiskGone`` for a step of a workflow
    #: that step ``cleanUp`` called); empty when that is ``step_id`` itself.
    path: str = ""

    @property
    def step_path(self) -> str:
        """The failing step's id, through the workflows that called it."""
        return self.path or self.step_id

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.workflow_id}/{self.step_id}: {self.detail}"
