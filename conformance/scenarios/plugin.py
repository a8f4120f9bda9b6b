"""The scenario suite's pytest plugin: every workflow of ``scenarios/*.arazzo.yaml`` is one
test item, in the child pytest that `scv-conformance` starts; the run manifest's
``workflow`` (``--only``) keeps one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import allure
import pytest
from allure_commons.types import AttachmentType

from conformance.core import recording
from conformance.core.errors import HarnessError
from conformance.core.skips import Skip
from conformance.plugin.context import get_context, get_manifest
from conformance.plugin.skips import skip_item
from conformance.scenarios import extensions, harness, loader, side_by_side
from conformance.scenarios.arazzo.document import Workflow
from conformance.scenarios.arazzo.engine import RunResult
from conformance.scenarios.arazzo.errors import StepFailure
from conformance.scenarios.deferred_report import DeferredReport
from conformance.scenarios.errors import ScenarioDocumentError, WorkflowFailure

SUITE = "scenario"


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.is_registered(side_by_side):
        config.pluginmanager.register(side_by_side, "scv-side-by-side")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(".arazzo.yaml"):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = get_manifest(config).workflow
    if not wanted:
        return
    workflows = [i for i in items if isinstance(i, WorkflowItem)]
    known = sorted({i.name for i in workflows})
    if wanted not in known:
        raise pytest.UsageError(
            f"--only: unknown workflow {wanted!r} (known: {', '.join(known) or 'none'})"
        )
    deselected = [i for i in workflows if i.name != wanted]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [i for i in items if i not in deselected]


class ScenarioFile(pytest.File):
    """One Arazzo document; its workflows are the items."""

    def collect(self) -> Iterator[pytest.Item]:
        document = loader.load(self.path)
        for workflow in document.tests:
            yield WorkflowItem.from_parent(self, name=workflow.workflow_id, workflow=workflow)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioDocumentError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


class WorkflowItem(pytest.Item):
    """One workflow, run by the engine against the run's target."""

    def __init__(self, *, workflow: Workflow, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.workflow = workflow
        self.user_properties.append(("suite", SUITE))
        self.user_properties.append(("workflowId", workflow.workflow_id))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"workflow {self.workflow.workflow_id}"

    def skip(self) -> Skip | None:
        """Why this workflow must not run against the run's target, or None."""
        return harness.skip(get_context(self.config), self.workflow)

    def runtest(self) -> None:
        _label(self.workflow)
        skip = self.skip()
        if skip:
            skip_item(self, skip)
        self._verdict(side_by_side.outcome(self))

    def execute(self, report: DeferredReport) -> RunResult:
        """Run the workflow, its cleanup included, noting what it reports in ``report``
        (called in a thread of its own, beside workflows that do not conflict with it)."""
        workflow = self.workflow
        context = get_context(self.config)
        session = context.session()
        vcenter = harness.vcenter_client(context)
        try:
            inputs = harness.workflow_inputs(context, workflow, vcenter)
            engine = harness.engine(
                workflow.document,
                session,
                vcenter,
                job_timeout=context.settings.job_timeout,
                on_call=report.call,
            )
            report.attach_json("workflow inputs", inputs)
            with recording.labels(recording.SCENARIO_KIND, workflow_id=workflow.workflow_id):
                result = engine.run(workflow, inputs)
            report.attach_json("workflow outputs", result.outputs)
        finally:
            session.close()
            if vcenter is not None:
                vcenter.close()
        return result

    def _verdict(self, result: RunResult) -> None:
        if result.skipped_cleanup:
            _attach_text(
                "cleanup steps skipped (nothing to clean)", "\n".join(result.skipped_cleanup)
            )
        error = result.error()
        if error is None:
            return
        self._record(error)
        for attachment in error.attachments:
            _attach_text(attachment.name, attachment.text)
        raise WorkflowFailure(error)

    def _record(self, error: StepFailure) -> None:
        self.user_properties.append(("stepId", error.step_id))
        self.user_properties.append(("check", error.check))
        if error.exchange is not None:
            self.user_properties.append(("reproduce", error.exchange.as_curl()))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, WorkflowFailure):
            return str(excinfo.value)
        if isinstance(excinfo.value, HarnessError):
            return f"{self.workflow.workflow_id}: {excinfo.value}"
        return str(super().repr_failure(excinfo))


def _label(workflow: Workflow) -> None:
    allure.dynamic.title(workflow.summary)
    allure.dynamic.description(workflow.description)
    allure.dynamic.suite(SUITE)
    allure.dynamic.feature(workflow.document.title)
    allure.dynamic.label("workflowId", workflow.workflow_id)
    for tag in extensions.tags(workflow):
        allure.dynamic.tag(tag)


def _attach_text(name: str, text: str) -> None:
    allure.attach(text, name=name, attachment_type=AttachmentType.TEXT)
