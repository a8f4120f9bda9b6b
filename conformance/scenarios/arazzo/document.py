"""A loaded Arazzo document: its sources, workflows and steps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.scenarios.arazzo.sources import Source, SourceOperation

QUALIFIED_PREFIX = "$sourceDescriptions."
COMPONENT_PARAMETER = "$components.parameters."


@dataclass(frozen=True)
class Workflow:
    """One workflow of a document."""

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

    def step(self, step_id: str) -> Mapping[str, Any]:
        for step in self.steps:
            if step.get("stepId") == step_id:
                return step
        raise KeyError(f"{self.workflow_id} has no step {step_id}")

    def operation_steps(self) -> list[Mapping[str, Any]]:
        """Every step that calls an operation, those of the workflows it calls included."""
        found: list[Mapping[str, Any]] = []
        for step in self.steps:
            if "workflowId" in step:
                found += self.document.workflow(str(step["workflowId"])).operation_steps()
            else:
                found.append(step)
        return found

    def extension(self, name: str, default: Any = None) -> Any:
        """The value of a specification extension (``x-...``) of the workflow."""
        return self.data.get(name, default)

    @property
    def input_schema(self) -> Mapping[str, Any]:
        return self.data.get("inputs") or {}


@dataclass(frozen=True)
class ScenarioDocument:
    """A parsed Arazzo document with its source descriptions."""

    path: Path
    data: Mapping[str, Any]
    sources: dict[str, Source]

    @property
    def title(self) -> str:
        return str(self.data["info"]["title"])

    @property
    def workflows(self) -> list[Workflow]:
        return [Workflow(str(w["workflowId"]), w, self) for w in self.data["workflows"]]

    @property
    def called(self) -> set[str]:
        """The workflows that steps of other workflows call (cleanup workflows)."""
        return {
            str(step["workflowId"])
            for workflow in self.workflows
            for step in workflow.steps
            if "workflowId" in step
        }

    @property
    def tests(self) -> list[Workflow]:
        """The workflows that are tests of their own: those no other workflow calls."""
        called = self.called
        return [w for w in self.workflows if w.workflow_id not in called]

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

    def parameters(self, step: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """A step's parameters with ``$components.parameters`` references resolved.

        A reusable parameter's ``value`` may be overridden by the referencing entry.
        """
        resolved = []
        components = (self.data.get("components") or {}).get("parameters") or {}
        for parameter in step.get("parameters") or []:
            reference = parameter.get("reference")
            if reference is None:
                resolved.append(parameter)
                continue
            name = str(reference).removeprefix(COMPONENT_PARAMETER)
            if not str(reference).startswith(COMPONENT_PARAMETER) or name not in components:
                raise KeyError(f"no reusable parameter {reference}")
            merged = dict(components[name])
            if "value" in parameter:
                merged["value"] = parameter["value"]
            resolved.append(merged)
        return resolved

    def security_scheme(self, source: str, name: str) -> Mapping[str, Any]:
        """A security scheme of a source description, by name."""
        schemes = self.sources[source].security_schemes
        if name not in schemes:
            raise KeyError(f"no security scheme {name!r} in source {source!r}")
        return schemes[name]
