"""Preparing a workflow run against a run context: skips, clients and inputs (step 0)."""

from __future__ import annotations

from typing import Any

from conformance.core.context import RunContext
from conformance.core.contract import release_key
from conformance.core.skips import Skip, SkipKind
from conformance.scenarios import inventory, run_names
from conformance.scenarios.document import Workflow
from conformance.scenarios.vcenter import VcenterClient


def skip(context: RunContext, workflow: Workflow) -> Skip | None:
    """Why ``workflow`` must not run against this target, or None."""
    if workflow.since and release_key(workflow.since) > release_key(context.release):
        return Skip(
            SkipKind.VERSION,
            f"{workflow.workflow_id} needs SCV {workflow.since}; the target runs {context.release}",
        )
    for step in [*workflow.steps, *workflow.cleanup]:
        operation = workflow.document.operation(str(step["operationId"]))
        if operation.source != "scv":
            continue
        found = context.version_skip(context.contract.operation(operation.operation_id))
        if found:
            return Skip(found.kind, f"{workflow.workflow_id}: {found.text}")
    if context.target.embedded:
        return None
    if workflow.destructive and not context.settings.allow_destructive:
        return Skip(
            SkipKind.SAFETY,
            f"{workflow.workflow_id} changes appliance state; left out against "
            f"{context.target.base_url} without --allow-destructive",
        )
    missing = [name for name in workflow.requires if name not in context.settings.inventory]
    if missing:
        return Skip(
            SkipKind.INVENTORY,
            f"{workflow.workflow_id} needs inventory names {', '.join(missing)} "
            "(the [inventory] table of the config file)",
        )
    return None


def vcenter_client(context: RunContext) -> VcenterClient | None:
    """A client of the target's vCenter, or None when no vCenter URL is known."""
    target = context.target
    if not target.vcenter_url:
        return None
    return VcenterClient(
        target.vcenter_url,
        target.username,
        target.password,
        verify=target.verify,
        guard=context.guard,
        deadline=context.settings.request_timeout,
    )


def inventory_names(context: RunContext) -> dict[str, str]:
    """The run's inventory names; the emulator's for the embedded emulator's gaps."""
    names = dict(inventory.EMULATOR_INVENTORY) if context.target.embedded else {}
    names.update(context.settings.inventory)
    return names


def workflow_inputs(
    context: RunContext, workflow: Workflow, vcenter: VcenterClient | None
) -> dict[str, Any]:
    """The workflow's inputs: its inventory names resolved to morefs, and secrets."""
    wanted = list((workflow.input_schema.get("properties") or {}).keys())

    def fetch(path: str, name: str) -> Any:
        assert vcenter is not None
        return vcenter.get_json(path, names=name)

    resolved = inventory.resolve_inventory(
        inventory_names(context), wanted, fetch if vcenter is not None else None
    )
    resolved.update(inventory.secret_inputs(wanted))
    # what the workflow creates carries the run's id: runs side by side do not collide
    names = run_names.named_defaults(workflow.input_schema, context.settings.run_id or "")
    return {**names, **resolved}
