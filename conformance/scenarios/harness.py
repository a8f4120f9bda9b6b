"""Preparing a workflow run against a run context: skips, clients and inputs (step 0)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from conformance.contract.spec import release_key
from conformance.core.context import RunContext
from conformance.core.interrupts import INTERRUPTS
from conformance.core.settings import POOL_SEPARATOR
from conformance.core.skips import Skip, SkipKind
from conformance.custody import run_names
from conformance.custody.ledger import Ledger
from conformance.http.guard import changes_state
from conformance.http.redaction import know
from conformance.http.session import Exchange, ScvSession
from conformance.scenarios import extensions, inventory, job_polling
from conformance.scenarios.arazzo.document import ScenarioDocument, Workflow
from conformance.scenarios.arazzo.engine import CallListener, Engine
from conformance.scenarios.fresh_tokens import FreshTokens
from conformance.scenarios.loader import SCV, VCENTER
from conformance.scenarios.vcenter import VcenterClient


def skip(context: RunContext, workflow: Workflow) -> Skip | None:
    """Why ``workflow`` must not run against this target, or None."""
    since = extensions.since(workflow)
    if since and release_key(since) > release_key(context.release):
        return Skip(
            SkipKind.VERSION,
            f"{workflow.workflow_id} needs SCV {since}; the target runs {context.release}",
        )
    for step in workflow.operation_steps():
        operation = workflow.document.operation(str(step["operationId"]))
        if operation.source != SCV:
            continue
        found = context.version_skip(context.contract.operation(operation.operation_id))
        if found:
            return Skip(found.kind, f"{workflow.workflow_id}: {found.text}")
    if context.target.embedded:
        return None
    if extensions.destructive(workflow) and not context.settings.allow_destructive:
        return Skip(
            SkipKind.SAFETY,
            f"{workflow.workflow_id} changes appliance state; left out against "
            f"{context.target.base_url} without --allow-destructive",
        )
    missing = [
        name for name in extensions.requires(workflow) if name not in context.settings.inventory
    ]
    if missing:
        return Skip(
            SkipKind.INVENTORY,
            f"{workflow.workflow_id} needs inventory names {', '.join(missing)} "
            "(the [inventory] table of the config file)",
        )
    return None


class ScvSteps:
    """The SCV session as workflow steps use it: requests go out as the step spells them.

    Steps log in themselves and send the token in the ``Token`` header; a token refused
    right after its login ends the run (:mod:`conformance.scenarios.fresh_tokens`).
    """

    def __init__(self, session: ScvSession) -> None:
        self.session = session
        self.fresh_tokens = FreshTokens(session.target.base_url)

    @property
    def listeners(self) -> list[Callable[[Exchange], None]]:
        return self.session.listeners

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.session.request(method, path, authenticated=False, **kwargs)
        self.fresh_tokens.observe(method, path, kwargs.get("headers") or {}, response)
        return response


def clients(session: ScvSession, vcenter: VcenterClient | None) -> dict[str, Any]:
    """The engine's client per source description."""
    found: dict[str, Any] = {SCV: ScvSteps(session)}
    if vcenter is not None:
        found[VCENTER] = vcenter
    return found


def engine(
    document: ScenarioDocument,
    session: ScvSession,
    vcenter: VcenterClient | None,
    *,
    job_timeout: float,
    on_call: CallListener | None = None,
    ledger: Ledger | None = None,
) -> Engine:
    """The Arazzo engine for one document, wired to SCV, vCenter, job polling and cleanup.

    The cleanup and each state-changing step run shielded from a first interrupt, which
    also stops the workflow before its next step (it may run in a thread, where no signal
    arrives); the cleanup runs after the jobs the workflow started have ended; what it
    owes goes to ``ledger``.
    """
    return Engine(
        document,
        clients(session, vcenter),
        polling=job_polling.JobPolling(session, job_timeout),
        cleanup_extension=extensions.CLEANUP,
        on_call=on_call,
        debts=ledger,
        changes_state=lambda operation: changes_state(operation.method, operation.path),
        shield=INTERRUPTS.shielded,
        before_cleanup=job_polling.JobTracker(session, job_timeout).wait,
        soft=extensions.assumed,
        stop_requested=INTERRUPTS.requested,
    )


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
    if context.target.embedded:
        names.update({k: POOL_SEPARATOR.join(v) for k, v in inventory.EMULATOR_POOLS.items()})
    names.update(context.settings.inventory)
    return names


def workflow_inputs(
    context: RunContext,
    workflow: Workflow,
    vcenter: VcenterClient | None,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The workflow's inputs: its inventory names (``names``, else the run's) resolved to
    morefs, and secrets."""
    wanted = list((workflow.input_schema.get("properties") or {}).keys())

    def fetch(path: str, name: str) -> Any:
        assert vcenter is not None
        return vcenter.get_json(path, names=name)

    resolved = inventory.resolve_inventory(
        inventory_names(context) if names is None else names,
        wanted,
        fetch if vcenter is not None else None,
    )
    secrets = inventory.secret_inputs(wanted)
    know(secrets.values())
    resolved.update(secrets)
    resolved.update(credential_inputs(context.target.username, context.target.password, wanted))
    # what the workflow creates carries the run's id: runs side by side do not collide
    names = run_names.named_defaults(workflow.input_schema, context.settings.run_id or "")
    return {**names, **resolved}


def credential_inputs(username: str, password: str, wanted: list[str]) -> dict[str, str]:
    """The ``username`` and ``password`` inputs the workflows log in with."""
    credentials = {"username": username, "password": password}
    return {k: v for k, v in credentials.items() if k in wanted}
