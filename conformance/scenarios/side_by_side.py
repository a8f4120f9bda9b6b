"""Workflows side by side: up to ``--concurrency`` at once, never two that conflict.

On the first workflow item, every workflow item to run is handed to a
:class:`~conformance.scenarios.scheduler.ConflictScheduler` in report order, with the
conflicts :mod:`~conformance.scenarios.conflicts` derives from what each touches. Each
workflow runs in a thread of its own, its cleanup included, noting what it reports;
pytest still runs the items one by one, each waiting for its workflow and replaying the
notes into its own Allure test with the times it really ran (see ``deferred_report``).

Threads rather than pytest-xdist: the workflows share the run's context and one report,
the conflicts need one place that sees every workflow, and a workflow mostly waits on
the appliance, so one process is enough.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import pytest
from allure_commons.model2 import TestResult

from conformance.core.context import RunContext
from conformance.core.scheduler import ConflictScheduler, Span
from conformance.core.skips import Skip
from conformance.plugin.context import get_context, get_manifest
from conformance.plugin.threads import threads_ahead
from conformance.scenarios import conflicts, harness
from conformance.scenarios.deferred_report import DeferredReport, current_test, replay, set_span

_SCHEDULER = pytest.StashKey["ConflictScheduler[Execution]"]()
_GUARDS = pytest.StashKey[contextlib.ExitStack]()
_SPAN = pytest.StashKey[tuple[Span | None, TestResult | None]]()


@runtime_checkable
class WorkflowItemLike(Protocol):
    """What this module needs of a workflow item."""

    nodeid: str
    workflow: Any

    def skip(self) -> Skip | None: ...

    def execute(self, report: DeferredReport) -> Any: ...


@dataclass(frozen=True)
class Execution:
    """How one workflow run ended: what it recorded, and its result or the error it raised."""

    report: DeferredReport
    result: Any = None
    error: BaseException | None = None


def outcome(item: pytest.Item) -> Any:
    """Run ``item``'s workflow (or wait for it to have run) and replay what it recorded into
    the current Allure test; returns its result, raises what it raised."""
    scheduler = _scheduler(item)
    done = scheduler.wait(item.nodeid)
    if done.error is not None:
        raise done.error
    execution = done.value
    assert execution is not None
    test = current_test(item.config)
    replay(execution.report, test)
    item.stash[_SPAN] = (done.span, test)
    if execution.error is not None:
        raise execution.error
    return execution.result


def footprints(
    context: RunContext, items: Sequence[WorkflowItemLike]
) -> dict[str, conflicts.Footprint]:
    """What each item's workflow touches, with this run's inventory names."""
    values = harness.inventory_names(context)
    contract = context.contract

    def mutates(operation: Any) -> bool:
        if operation.source != "scv":
            return False  # vCenter is only read, to find and check objects
        try:
            return contract.operation(operation.operation_id).mutates
        except KeyError:
            return True  # not in the contract: assume the worst

    return {item.nodeid: conflicts.footprint(item.workflow, values, mutates) for item in items}


def _scheduler(item: pytest.Item) -> ConflictScheduler[Execution]:
    config = item.config
    scheduler = config.stash.get(_SCHEDULER, None)
    if scheduler is None:
        items = [
            i for i in item.session.items if isinstance(i, WorkflowItemLike) and i.skip() is None
        ]
        prints = footprints(get_context(config), items)
        scheduler = ConflictScheduler(
            [(i.nodeid, _job(i)) for i in items],
            get_manifest(config).concurrency,
            lambda a, b: prints[str(a)].conflicts_with(prints[str(b)]),
            name="workflow",
        )
        config.stash[_SCHEDULER] = scheduler
        guards = contextlib.ExitStack()
        guards.enter_context(threads_ahead())
        config.stash[_GUARDS] = guards
        scheduler.start()
    return scheduler


def _job(item: WorkflowItemLike) -> Any:
    def run() -> Execution:
        report = DeferredReport()
        try:
            return Execution(report, item.execute(report))
        except Exception as exc:
            return Execution(report, error=exc)

    return run


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> Any:
    # outermost wrapper: Allure's own has set the times and the thread label by now
    yield
    span, test = item.stash.get(_SPAN, (None, None))
    if span is not None and test is not None:
        set_span(test, span, f"{os.getpid()}-workflow-{span.slot + 1}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """After the last item, or an interrupt or ``--maxfail``: start no more workflows, and
    let the running ones finish, their cleanup included."""
    scheduler = session.config.stash.get(_SCHEDULER, None)
    if scheduler is not None:
        scheduler.cancel()
        scheduler.join()
        session.config.stash[_GUARDS].close()
