"""The scenario suite's pytest plugin: every workflow of ``scenarios/*.arazzo.yaml`` is one
test item, in the child pytest that `scv-conformance` starts (the run manifest's selection,
``--only``, is applied by :mod:`conformance.child.selection`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import allure
import pytest
from allure_commons.types import AttachmentType

from conformance.child.context import get_context
from conformance.child.skips import skip_item
from conformance.contract import deviation
from conformance.core.errors import HarnessError
from conformance.core.item_keys import file_nodeid
from conformance.core.skips import Skip
from conformance.custody.ledger import LEDGER_NAME, Ledger
from conformance.http import recording
from conformance.scenarios import alternatives, extensions, harness, loader, side_by_side
from conformance.scenarios.arazzo.document import Workflow
from conformance.scenarios.arazzo.engine import RunResult
from conformance.scenarios.arazzo.failures import StepFailure
from conformance.scenarios.deferred_report import DeferredReport
from conformance.scenarios.failures import ScenarioDocumentError, WorkflowFailure

SUITE = "scenario"


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.is_registered(side_by_side):
        config.pluginmanager.register(side_by_side, "scv-side-by-side")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(".arazzo.yaml"):
        return ScenarioFile.from_parent(parent, path=file_path, nodeid=file_nodeid(file_path))
    return None


class ScenarioFile(pytest.File):
    """One Arazzo document; its workflows are the items."""

    def collect(self) -> Iterator[pytest.Item]:
        document = loader.load(self.path, overlays=get_context(self.config).settings.overlays)
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

    def execute(self, report: DeferredReport, names: Mapping[str, str] | None = None) -> RunResult:
        """Run the workflow, its cleanup included, noting what it reports in ``report``
        (called in a thread of its own, beside workflows that do not conflict with it), on
        the inventory ``names`` the scheduler picked (the run's when None)."""
        context = get_context(self.config)
        workflow, adapted = alternatives.adapt(self.workflow, context)
        if adapted:
            report.attach_text("alternatives the appliance uses", "\n".join(adapted))
        session = context.session()
        vcenter = harness.vcenter_client(context)
        try:
            inputs = harness.workflow_inputs(context, workflow, vcenter, names)
            engine = harness.engine(
                workflow.document,
                session,
                vcenter,
                job_timeout=context.settings.job_timeout,
                on_call=report.call,
                ledger=Ledger(_ledger_path(self.config)),
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
        if error is None and result.soft_failures:
            self._deviate(result.soft_failures)
            return
        if error is None:
            return
        self._record(error)
        for attachment in error.attachments:
            _attach_text(attachment.name, attachment.text)
        if result.soft_failures:
            notes = "; ".join(str(f) for f in result.soft_failures)
            error = replace(error, detail=f"{error.detail} (deviations too: {notes})")
        raise WorkflowFailure(error)

    def _deviate(self, failures: list[StepFailure]) -> None:
        """Criteria marked as assumptions did not hold: a deviation (a failure if strict)."""
        first = failures[0]
        message = "\n".join(f"{f} (a criterion marked x-evidence: assumption)" for f in failures)
        self._record(first)
        self.user_properties += [
            (deviation.VERDICT_PROPERTY, deviation.DEVIATION),
            (deviation.MESSAGE_PROPERTY, message),
        ]
        allure.dynamic.tag(deviation.DEVIATION)
        _attach_text("deviations from our assumptions", message)
        if get_context(self.config).strict:
            raise WorkflowFailure(first, deviation.tagged(message))

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


def _ledger_path(config: pytest.Config) -> Path | None:
    """The run folder's cleanup ledger (beside the Allure results), if there is a folder."""
    allure_dir = getattr(config.option, "allure_report_dir", None)
    return Path(allure_dir).absolute().parent / LEDGER_NAME if allure_dir else None


def _label(workflow: Workflow) -> None:
    allure.dynamic.title(workflow.summary)
    allure.dynamic.description(workflow.description)
    # the tree by API area (the workflow's first contract tag), then workflow
    areas = extensions.tags(workflow)
    allure.dynamic.parent_suite(areas[0] if areas else "workflows")
    allure.dynamic.suite(workflow.workflow_id)
    allure.dynamic.sub_suite("workflow")
    allure.dynamic.feature(workflow.document.title)
    for tag in areas:
        allure.dynamic.tag(tag)


def _attach_text(name: str, text: str) -> None:
    allure.attach(text, name=name, attachment_type=AttachmentType.TEXT)
