"""The harness's extensions of a workflow (``x-scv-*``); scenarios/README.md defines them."""

from __future__ import annotations

from conformance.scenarios.arazzo.document import Workflow

#: Names the step (calling a cleanup workflow) the engine runs on every exit path.
CLEANUP = "x-scv-cleanup"


def destructive(workflow: Workflow) -> bool:
    """The workflow changes appliance state (``x-scv-destructive``)."""
    return bool(workflow.extension("x-scv-destructive", False))


def requires(workflow: Workflow) -> list[str]:
    """Inventory names the workflow needs (``x-scv-requires``)."""
    return [str(name) for name in workflow.extension("x-scv-requires") or []]


def since(workflow: Workflow) -> str | None:
    """The first SCV release the workflow can run on (``x-scv-since``)."""
    value = workflow.extension("x-scv-since")
    return str(value) if value is not None else None


def tags(workflow: Workflow) -> list[str]:
    """Report tags (``x-scv-tags``)."""
    return [str(tag) for tag in workflow.extension("x-scv-tags") or []]


def cleanup(workflow: Workflow) -> str | None:
    """The stepId of the workflow's cleanup step (``x-scv-cleanup``)."""
    value = workflow.extension(CLEANUP)
    return str(value) if value is not None else None
