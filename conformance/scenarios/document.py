"""A loaded Arazzo document: its sources, workflows and steps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core.guard import changes_state
from conformance.scenarios.sources import Source, SourceOperation

QUALIFIED_PREFIX = "$sourceDescriptions."


@dataclass(frozen=True)
class Workflow:
    """One workflow with the extensions this harness reads."""

    workflow_id: str
    data: Mapping[str, Any]
    document: ScenarioDocument = field(repr=False, compare=False)

    @property
    def summary(self) -> str:
        return str(self.data.get("summary") or self.workflow_id)

    @property
    def description(self) -> str:
        return str(self.data.get("description") or "")

    @property
    def steps(self) -> list[Mapping[str, Any]]:
        return list(self.data.get("steps") or [])

    @property
    def cleanup(self) -> list[Mapping[str, Any]]:
        return list(self.data.get("x-scv-cleanup") or [])

    @property
    def state_changing_steps(self) -> list[str]:
        """The steps (cleanup included) whose operation changes appliance state.

        Derived from the operations' methods, as for the contract's operations: any method
        but GET changes state, logging in aside.
        """
        found = []
        for step in [*self.steps, *self.cleanup]:
            try:
                operation = self.document.operation(str(step.get("operationId")))
            except KeyError:
                continue
            if changes_state(operation.method, operation.path):
                found.append(str(step.get("stepId")))
        return found

    @property
    def destructive(self) -> bool:
        """True when the workflow changes appliance state (whatever its flag says)."""
        return bool(self.state_changing_steps)

    @property
    def declared_destructive(self) -> object:
        """The document's ``x-scv-destructive`` flag, None when it has none."""
        return self.data.get("x-scv-destructive")

    @property
    def requires(self) -> list[str]:
        return [str(name) for name in self.data.get("x-scv-requires") or []]

    @property
    def since(self) -> str | None:
        since = self.data.get("x-scv-since")
        return str(since) if since is not None else None

    @property
    def tags(self) -> list[str]:
        return [str(tag) for tag in self.data.get("x-scv-tags") or []]

    @property
    def input_schema(self) -> Mapping[str, Any]:
        return self.data.get("inputs") or {}


@dataclass(frozen=True)
class ScenarioDocument:
    """A parsed and checked Arazzo document."""

    path: Path
    data: Mapping[str, Any]
    sources: dict[str, Source]

    @property
    def title(self) -> str:
        return str(self.data["info"]["title"])

    @property
    def workflows(self) -> list[Workflow]:
        return [Workflow(str(w["workflowId"]), w, self) for w in self.data["workflows"]]

    def workflow(self, workflow_id: str) -> Workflow:
        for workflow in self.workflows:
            if workflow.workflow_id == workflow_id:
                return workflow
        raise KeyError(workflow_id)

    def operation(self, reference: str) -> SourceOperation:
        """The operation a step's ``operationId`` names (qualified or not)."""
        if reference.startswith(QUALIFIED_PREFIX):
            source_name, _, operation_id = reference[len(QUALIFIED_PREFIX) :].partition(".")
            source = self.sources.get(source_name)
            if source is None:
                raise KeyError(f"no source description {source_name!r}")
        else:
            if len(self.sources) != 1:
                raise KeyError(
                    f"operationId {reference!r} must be qualified "
                    "($sourceDescriptions.<name>.<operationId>) with several sources"
                )
            source = next(iter(self.sources.values()))
            operation_id = reference
        found = source.operations.get(operation_id)
        if found is None:
            raise KeyError(f"no operation {operation_id!r} in source {source.name!r}")
        return found
