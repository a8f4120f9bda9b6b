"""What a workflow reports to Allure, noted where it runs and replayed into its own test.

Workflows run in threads of their own while pytest reports them one by one; Allure's
current test is not per workflow thread, so a workflow never talks to Allure directly. It
notes its calls (as steps, with the time each one really took) and attachments in a
:class:`DeferredReport`, and its pytest item replays them into its test result, with those
times, and sets the test's start and stop to when the workflow really ran, so Allure's
timeline is true.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import allure
import httpx
import pytest
from allure_commons.model2 import Status, StatusDetails, TestResult, TestStepResult
from allure_commons.types import AttachmentType, LabelType

from conformance.core.scheduler import Span
from conformance.http.redaction import redact_json
from conformance.http.session import Exchange

#: allure-pytest registers its listener under this name; its reporter holds the results.
ALLURE_LISTENER = "allure_listener"


@dataclass(frozen=True)
class Attachment:
    name: str
    body: str
    kind: AttachmentType


@dataclass(frozen=True)
class Step:
    """One call: its title, its exchange as text, when it started and stopped (epoch s)."""

    title: str
    attachment: Attachment
    start: float
    stop: float


@dataclass
class DeferredReport:
    """Steps and attachments of one workflow run, in order."""

    entries: list[Step | Attachment] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def call(self, step_id: str, exchange: Exchange) -> None:
        """An engine call listener: one step per exchange."""
        stop = time.time()
        step = Step(
            call_title(step_id, exchange),
            Attachment("exchange", exchange.render(), AttachmentType.TEXT),
            stop - exchange.elapsed_ms / 1000.0,
            stop,
        )
        with self._lock:
            self.entries.append(step)

    def attach_json(self, name: str, value: dict[str, Any]) -> None:
        body = json.dumps(redact_json(value), indent=2, default=str)
        self.attach(Attachment(name, body, AttachmentType.JSON))

    def attach_text(self, name: str, text: str) -> None:
        self.attach(Attachment(name, text, AttachmentType.TEXT))

    def attach(self, attachment: Attachment) -> None:
        with self._lock:
            self.entries.append(attachment)

    def snapshot(self) -> list[Step | Attachment]:
        with self._lock:
            return list(self.entries)


def call_title(step_id: str, exchange: Exchange) -> str:
    """The title of a call's Allure step: its step id, request and status."""
    target = httpx.URL(exchange.url).raw_path.decode("ascii", "replace")
    return f"{step_id}: {exchange.method} {target} → {exchange.status_code}"


def current_test(config: pytest.Config) -> TestResult | None:
    """The Allure result of the test running in this thread, or None without Allure."""
    listener = config.pluginmanager.get_plugin(ALLURE_LISTENER)
    reporter = getattr(listener, "allure_logger", None)
    if reporter is None:
        return None
    test = reporter.get_test(None)
    return test if isinstance(test, TestResult) else None


def replay(report: DeferredReport, test: TestResult | None) -> None:
    """Emit the recorded steps and attachments into the current Allure test, each step with
    the times it really had."""
    entries = report.snapshot()
    steps: list[Step] = []
    for entry in entries:
        if isinstance(entry, Step):
            with allure.step(entry.title):
                _attach(entry.attachment)
            steps.append(entry)
        else:
            _attach(entry)
    if test is None:
        return
    results = [s for s in test.steps if isinstance(s, TestStepResult)][-len(steps) :]
    for result, step in zip(results, steps, strict=False):
        result.start, result.stop = _ms(step.start), _ms(step.stop)


def mark_failed_steps(test: TestResult | None, failures: list[Any]) -> None:
    """Turn the step each failure happened in red, with the failure as its message and the
    command that reproduces it: the failing call, not a green tick above the cleanup.

    ``failures`` are the workflow's step failures (``step_path``, ``exchange``), its
    cleanup's too: a step of a workflow the cleanup called is named ``cleanUp/stepId``.
    Of that step's calls (a polled step has one per poll) it is the failing exchange's,
    else the last one.
    """
    if test is None:
        return
    steps = [s for s in test.steps if isinstance(s, TestStepResult)]
    for failure in failures:
        step_path = getattr(failure, "step_path", failure.step_id)
        exchange = getattr(failure, "exchange", None)
        calls = [s for s in steps if (s.name or "").startswith(f"{step_path}: ")]
        if exchange is not None:
            title = call_title(step_path, exchange)
            calls = [s for s in calls if s.name == title] or calls
        if not calls:
            continue
        step = calls[-1]
        reproduce = exchange.as_curl() if exchange is not None else None
        step.status = Status.FAILED
        step.statusDetails = StatusDetails(
            message=str(failure), trace=f"reproduce:\n{reproduce}" if reproduce else None
        )


def set_span(test: TestResult, span: Span, lane: str) -> None:
    """Give ``test`` the times it really ran and the timeline lane (thread) it ran in."""
    test.start, test.stop = _ms(span.start), _ms(span.stop)
    for label in test.labels:
        if label.name == LabelType.THREAD:
            label.value = lane


def _attach(attachment: Attachment) -> None:
    allure.attach(attachment.body, name=attachment.name, attachment_type=attachment.kind)


def _ms(seconds: float) -> int:
    return int(seconds * 1000)
