"""With ``--allow-destructive``, ``learn`` also hears the answers of state-changing calls.

It runs the documented workflows that change state (``scenarios/``: add a storage system,
create a resource group, back up, restore, mount, attach...) through the same engine,
inputs and cleanup as a run's scenarios: each workflow's cleanup step runs whatever
happened, shielded from a first interrupt (a second one abandons it), and the workflows'
own steps read back that what they created is gone. What a workflow owes until its
cleanup succeeds is kept in a ledger, so that learn can say what was left behind when a
cleanup could not happen. Every exchange with the appliance becomes an :class:`Answer`
that learn adapts the contract to, as it does the answers of its reads; every assumed
success criterion an answer did not meet is kept with what the appliance answered there
(:mod:`conformance.calibrate.criteria`).

The workflows pick only the ``[inventory]`` VMs and datastores, like a run; one that needs
a name the configuration lacks is not run, and learn says why.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from conformance.calibrate.criteria import Heard, heard_in
from conformance.calibrate.explore import Answer
from conformance.contract import json_budget
from conformance.contract.matching import OperationMatcher
from conformance.core.context import RunContext
from conformance.core.interrupts import INTERRUPTS
from conformance.custody.ledger import Ledger
from conformance.http.redaction import excerpt
from conformance.http.session import Exchange
from conformance.scenarios import alternatives, extensions, harness, loader
from conformance.scenarios.arazzo.document import Workflow

Handler = Callable[[int, FrameType | None], Any] | int | None


@dataclass
class Exercised:
    """What the workflows answered, which ran, which did not and why, what was left."""

    answers: list[Answer] = field(default_factory=list)
    #: Assumed success criteria the appliance's answers did not meet, with what it answered.
    heard: list[Heard] = field(default_factory=list)
    ran: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    #: Cleanups owed and never settled: ``workflowId``, ``cleanupStep``, ``request``.
    leftovers: list[dict[str, str]] = field(default_factory=list)
    interrupted: bool = False


def state_changing_workflows(overlays: Sequence[Path] = ()) -> Iterator[Workflow]:
    """The documented workflows that change state, in document order (``overlays``
    applied)."""
    for path in loader.scenario_files():
        for workflow in loader.load(path, overlays=overlays).tests:
            if extensions.destructive(workflow):
                yield workflow


def exercise(context: RunContext, workflows: list[Workflow] | None = None) -> Exercised:
    """Run ``workflows`` (default: every state-changing one) against the context's target.

    Interrupt-safe: SIGINT and SIGTERM stop after the running workflow's cleanup (a second
    one abandons it); ``interrupted`` and ``leftovers`` then say what happened.
    """
    done = Exercised()
    matcher = OperationMatcher(context.contract)
    ledger = Ledger()
    with _interrupts():
        chosen = workflows
        if chosen is None:
            chosen = list(state_changing_workflows(context.settings.overlays))
        for workflow in chosen:
            skip = harness.skip(context, workflow)
            if skip is not None:
                done.skipped[workflow.workflow_id] = skip.text
                continue
            try:
                done.ran[workflow.workflow_id] = _run(context, workflow, matcher, ledger, done)
            except KeyboardInterrupt:
                done.interrupted = True
                done.ran[workflow.workflow_id] = "interrupted"
                break
    done.leftovers = ledger.outstanding()
    return done


def _run(
    context: RunContext,
    workflow: Workflow,
    matcher: OperationMatcher,
    ledger: Ledger,
    done: Exercised,
) -> str:
    """Run one workflow with its cleanup; its verdict in a few words."""
    workflow, _ = alternatives.adapt(workflow, context)
    session = context.session()
    vcenter = harness.vcenter_client(context)

    def heard(exchange: Exchange) -> None:
        answer = _answer(exchange, matcher)
        if answer is not None:
            done.answers.append(answer)

    session.listeners.append(heard)
    try:
        inputs = harness.workflow_inputs(context, workflow, vcenter)
        engine = harness.engine(
            workflow.document,
            session,
            vcenter,
            job_timeout=context.settings.job_timeout,
            ledger=ledger,
        )
        result = engine.run(workflow, inputs)
    finally:
        session.close()
        if vcenter is not None:
            vcenter.close()
    done.heard += heard_in(result)
    error = result.error()
    if error is not None:
        return f"failed: {excerpt(str(error).splitlines()[0], 160)}"
    if extensions.CLEANUP not in workflow.data:
        return "ran"
    return "ran, cleaned up"


def _answer(exchange: Exchange, matcher: OperationMatcher) -> Answer | None:
    """The answer of one exchange with the appliance, if it is a contract operation."""
    if exchange.status_code is None:
        return None
    operation = matcher.operation(exchange.method, exchange.url)
    if operation is None or operation.method != exchange.method.lower():
        return None
    try:
        body, is_json = json_budget.loads(exchange.response_body), True
    except ValueError:
        body, is_json = None, False
    content_type = next(
        (v for k, v in exchange.response_headers.items() if k.lower() == "content-type"), ""
    )
    if "json" not in content_type.lower():
        body, is_json = None, False
    return Answer(
        operation.operation_id,
        operation.method,
        operation.path,
        urlsplit(exchange.url)._replace(query="").geturl(),
        exchange.status_code,
        body,
        is_json,
    )


@contextmanager
def _interrupts() -> Iterator[None]:
    """SIGINT and SIGTERM handled as in a run's test process, for the block."""
    previous: dict[signal.Signals, Handler] = {}
    try:
        for number in (signal.SIGINT, signal.SIGTERM):
            previous[number] = signal.signal(number, INTERRUPTS.handle)
    except ValueError:
        pass  # not the main thread: signals are not ours to handle
    INTERRUPTS.reset()
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
