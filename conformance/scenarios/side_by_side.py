"""Workflows side by side: up to ``--concurrency`` at once, never two that conflict.

On the first workflow item, every workflow item to run is handed to a
:class:`~conformance.scenarios.scheduler.ConflictScheduler` in report order, with the
conflicts :mod:`~conformance.scenarios.conflicts` derives from what each touches. A
workflow whose first choice of VM or datastore is in use by a conflicting one runs on
another of the inventory's pool when that fits (:mod:`~conformance.scenarios.pools`). The
workflows that wait for the most appliance jobs start first (what they wait for dominates
how long they take), the others fill the slots beside them. Each
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import pytest
from allure_commons.model2 import TestResult

from conformance.child.context import get_context, get_manifest
from conformance.child.threads import threads_ahead
from conformance.core.context import RunContext
from conformance.core.interrupts import INTERRUPTS
from conformance.core.scheduler import ConflictScheduler, Span
from conformance.core.skips import Skip
from conformance.scenarios import conflicts, harness, job_polling, pools
from conformance.scenarios.deferred_report import (
    DeferredReport,
    current_test,
    mark_failed_steps,
    replay,
    set_span,
)

_SCHEDULER = pytest.StashKey["ConflictScheduler[Execution]"]()
_GUARDS = pytest.StashKey[contextlib.ExitStack]()
_SPAN = pytest.StashKey[tuple[Span | None, TestResult | None]]()


@runtime_checkable
class WorkflowItemLike(Protocol):
    """What this module needs of a workflow item."""

    nodeid: str
    workflow: Any

    def skip(self) -> Skip | None: ...

    def execute(self, report: DeferredReport, names: Mapping[str, str] | None = None) -> Any: ...


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
    failed = [
        getattr(execution.result, "failure", None),
        *getattr(execution.result, "cleanup_failures", ()),
    ]
    mark_failed_steps(test, [f for f in failed if f is not None])
    item.stash[_SPAN] = (done.span, test)
    if execution.error is not None:
        raise execution.error
    return execution.result


@dataclass(frozen=True)
class Choice:
    """One way to run a workflow: the inventory names it gets and what it then touches."""

    names: Mapping[str, str]
    footprint: conflicts.Footprint


def footprints(context: RunContext, items: Sequence[WorkflowItemLike]) -> dict[str, list[Choice]]:
    """The ways each item's workflow may run (the run's inventory names first, then other
    objects of the inventory's pools), each with what the workflow then touches."""
    names = harness.inventory_names(context)
    contract = context.contract

    def mutates(operation: Any) -> bool:
        if operation.source != "scv":
            return False  # vCenter is only read, to find and check objects
        try:
            return contract.operation(operation.operation_id).mutates
        except KeyError:
            return True  # not in the contract: assume the worst

    found: dict[str, list[Choice]] = {}
    for item in items:
        inputs = (item.workflow.input_schema.get("properties") or {}).keys()
        found[item.nodeid] = [
            Choice(values, conflicts.footprint(item.workflow, values, mutates))
            for values in pools.choices(inputs, names)
        ]
    return found


class Placement:
    """Which choice each started workflow runs with; whether another may start beside.

    Of the choices that fit, the first that keeps clear of what a workflow still waiting
    needs whichever choice it gets (the datastore a backed-up VM is on) is taken.
    """

    def __init__(self, choices: Mapping[str, list[Choice]]) -> None:
        self.choices = choices
        self.picked: dict[str, Choice] = {}
        # what each workflow touches and writes, whichever of its choices it runs with
        self._needs = {
            key: (
                frozenset.intersection(*(c.footprint.touches for c in options)),
                frozenset.intersection(*(c.footprint.writes for c in options)),
            )
            for key, options in choices.items()
            if options
        }

    def fits(self, key: Any, running: Sequence[Any]) -> bool:
        """Pick a choice of ``key`` that conflicts with none of ``running``."""
        busy = [self.picked[str(other)].footprint for other in running]
        fitting = [
            choice
            for choice in self.choices[str(key)]
            if not any(choice.footprint.conflicts_with(other) for other in busy)
        ]
        if not fitting:
            return False
        touched: set[str] = set()
        written: set[str] = set()
        for other, (touches, writes) in self._needs.items():
            if other != str(key) and other not in self.picked:
                touched |= touches
                written |= writes
        self.picked[str(key)] = min(
            fitting,
            key=lambda c: bool(c.footprint.writes & touched or c.footprint.touches & written),
        )
        return True


def job_waits(workflow: Any) -> int:
    """How many appliance jobs ``workflow`` waits for (its job polls, its cleanup's too)."""
    return sum(
        job_polling.is_job_poll(workflow.document.operation(str(step["operationId"])))
        for step in workflow.operation_steps()
    )


def start_order(items: Sequence[WorkflowItemLike]) -> list[WorkflowItemLike]:
    """The items, those that wait for the most jobs first, else in report order."""
    return sorted(items, key=lambda item: -job_waits(item.workflow))


def _scheduler(item: pytest.Item) -> ConflictScheduler[Execution]:
    config = item.config
    scheduler = config.stash.get(_SCHEDULER, None)
    if scheduler is None:
        items = [
            i for i in item.session.items if isinstance(i, WorkflowItemLike) and i.skip() is None
        ]
        placement = Placement(footprints(get_context(config), items))
        scheduler = ConflictScheduler(
            [(i.nodeid, _job(i, placement)) for i in start_order(items)],
            get_manifest(config).concurrency,
            lambda a, b: placement.choices[str(a)][0].footprint.conflicts_with(
                placement.choices[str(b)][0].footprint
            ),
            name="workflow",
            fits=placement.fits,
        )
        config.stash[_SCHEDULER] = scheduler
        guards = contextlib.ExitStack()
        guards.enter_context(threads_ahead())
        config.stash[_GUARDS] = guards
        scheduler.start()
    return scheduler


def _job(item: WorkflowItemLike, placement: Placement) -> Any:
    def run() -> Execution:
        report = DeferredReport()
        try:
            return Execution(report, item.execute(report, placement.picked[item.nodeid].names))
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
    let the running ones finish, their cleanup included, unless a second interrupt came
    (asked here too: pytest may have swallowed its KeyboardInterrupt while it reported the
    first)."""
    scheduler = session.config.stash.get(_SCHEDULER, None)
    if scheduler is not None:
        scheduler.cancel()
        scheduler.join_unless(INTERRUPTS.abandoned)
        session.config.stash[_GUARDS].close()
