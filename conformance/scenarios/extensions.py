"""The harness's extensions of a workflow (``x-scv-*``, and ``x-evidence`` on criteria);
scenarios/README.md defines them.

A success criterion (or a whole step) may carry ``x-evidence``, as the contract's
constraints do (``specs/README.md``); a criterion without its own takes its step's. A
criterion marked ``assumption`` checks something the vendor never documented (a job type
the pages do not name, say): when it does not hold, the step still succeeds and the
workflow goes on, and the run reports a deviation, which fails it only under --strict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.contract.evidence import ASSUMPTION, EVIDENCE
from conformance.http.guard import changes_state
from conformance.scenarios.arazzo.document import Workflow

#: Names the step (calling a cleanup workflow) the engine runs on every exit path.
CLEANUP = "x-scv-cleanup"


def state_changing_steps(workflow: Workflow) -> list[str]:
    """The steps (those of the workflows it calls included) that change appliance state.

    Derived from the operations' methods, as for the contract's operations: any method but
    GET changes state, logging in (and vCenter's session calls) aside.
    """
    found = []
    for step in workflow.operation_steps():
        try:
            operation = workflow.document.operation(str(step.get("operationId")))
        except KeyError:
            continue
        if changes_state(operation.method, operation.path):
            found.append(str(step.get("stepId")))
    return found


def destructive(workflow: Workflow) -> bool:
    """The workflow changes appliance state, whatever its ``x-scv-destructive`` says."""
    return bool(state_changing_steps(workflow))


def destructive_flag_problems(workflow: Workflow) -> list[str]:
    """``x-scv-destructive`` must say what the steps do: it is checked, never trusted."""
    declared = workflow.extension("x-scv-destructive")
    if not isinstance(declared, bool) or declared == destructive(workflow):
        return []
    where = workflow.workflow_id
    if declared:
        return [
            f"{where}: x-scv-destructive is true but no step changes appliance state "
            "(every call is a GET or a login)"
        ]
    steps = ", ".join(state_changing_steps(workflow))
    return [
        f"{where}: x-scv-destructive is false but steps {steps} call operations that "
        "change appliance state (a method other than GET); mark the workflow destructive"
    ]


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


def assumed(step: Mapping[str, Any], criterion: Mapping[str, Any]) -> bool:
    """Whether ``criterion`` of ``step`` rests on an assumption only."""
    return criterion.get(EVIDENCE, step.get(EVIDENCE)) == ASSUMPTION
