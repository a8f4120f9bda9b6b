"""Loading Arazzo documents: YAML, sources, and the checks the JSON Schema cannot make."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from conformance.scenarios.arazzo import criteria, expressions, portability
from conformance.scenarios.arazzo.document import ScenarioDocument, Workflow
from conformance.scenarios.arazzo.failures import DocumentError, ExpressionError
from conformance.scenarios.arazzo.sources import load_source

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STEP_REF = re.compile(r"\$steps\.([A-Za-z0-9_\-]+)")


def read(path: Path) -> dict[str, Any]:
    """The YAML of an Arazzo document; DocumentError when it is not one."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=SafeLoader)
    except FileNotFoundError:
        raise DocumentError(f"no such file: {path}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise DocumentError(f"{path.name}: not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise DocumentError(f"{path.name}: not an Arazzo document (no mapping)")
    return data


def build(
    path: Path, data: dict[str, Any], known_sources: Collection[str] | None = None
) -> ScenarioDocument:
    """The document with its OpenAPI sources read; only ``known_sources`` when given."""
    sources = {}
    for item in data.get("sourceDescriptions") or []:
        name, url = str(item.get("name")), str(item.get("url"))
        if known_sources is not None and name not in known_sources:
            raise DocumentError(
                f"source description {name!r} is not one of {', '.join(known_sources)}"
            )
        try:
            sources[name] = load_source(name, url, path.parent)
        except (OSError, yaml.YAMLError):
            raise DocumentError(f"source description {name!r}: cannot read {url}") from None
    if not isinstance(data.get("workflows"), list):
        raise DocumentError("no workflows")
    return ScenarioDocument(path, data, sources)


def check(document: ScenarioDocument) -> list[str]:
    """What the schema cannot check: operations, references, expressions, portability."""
    problems: list[str] = []
    for workflow in document.workflows:
        where = workflow.workflow_id
        seen: list[str] = []
        all_ids = [str(s.get("stepId")) for s in workflow.steps]
        for step in workflow.steps:
            problems += _check_step(document, where, step, seen, all_ids)
            seen.append(str(step.get("stepId")))
        for name, value in (workflow.data.get("outputs") or {}).items():
            problems += _check_expressions(f"{where}/outputs/{name}", [value], all_ids)
    return problems


def _check_workflow_step(
    document: ScenarioDocument, where: str, step: Mapping[str, Any]
) -> list[str]:
    """A step that calls a workflow of the same document with that workflow's inputs."""
    try:
        called = document.workflow(str(step["workflowId"]))
    except KeyError:
        return [f"{where}: no workflow {step['workflowId']} in this document"]
    problems = []
    if any("workflowId" in inner for inner in called.steps):
        problems.append(f"{where}: {called.workflow_id} calls a workflow itself")
    known = set((called.input_schema.get("properties") or {}).keys())
    given = set()
    for parameter in step.get("parameters") or []:
        name = str(parameter.get("name"))
        given.add(name)
        if "in" in parameter or name not in known:
            problems.append(f"{where}: parameter {name} is not an input of {called.workflow_id}")
    missing = set(called.input_schema.get("required") or []) - given
    if missing:
        problems.append(f"{where}: {called.workflow_id} needs inputs {', '.join(sorted(missing))}")
    return problems


def _check_step(
    document: ScenarioDocument,
    workflow_id: str,
    step: Mapping[str, Any],
    earlier: list[str],
    goto_ids: list[str],
) -> list[str]:
    where = f"{workflow_id}/{step.get('stepId')}"
    problems: list[str] = []
    if "workflowId" in step:
        problems += _check_workflow_step(document, where, step)
    elif "operationId" not in step:
        return [f"{where}: only operationId and workflowId steps are supported"]
    else:
        try:
            document.operation(str(step["operationId"]))
        except KeyError as exc:
            problems.append(f"{where}: {exc.args[0]}")
    try:
        parameters = document.parameters(step)
    except KeyError as exc:
        problems.append(f"{where}: {exc.args[0]}")
        parameters = []
    values: list[Any] = [p.get("value") for p in parameters]
    for entry in step.get("x-security") or []:
        values.append(entry.get("values"))
        if "schemeName" in entry and "operationId" in step:
            try:
                operation = document.operation(str(step["operationId"]))
                document.security_scheme(operation.source, str(entry["schemeName"]))
            except KeyError as exc:
                problems.append(f"{where}: {exc.args[0]}")
    body = step.get("requestBody") or {}
    values.append(body.get("payload"))
    values += [r.get("value") for r in body.get("replacements") or []]
    values += list((step.get("outputs") or {}).values())
    problems += _check_expressions(where, values, [*earlier, str(step.get("stepId"))])
    criteria_list = list(step.get("successCriteria") or [])
    for action in [*(step.get("onSuccess") or []), *(step.get("onFailure") or [])]:
        criteria_list += action.get("criteria") or []
        if "workflowId" in action:
            problems.append(f"{where}: actions that go to a workflow are not supported")
        target = action.get("stepId")
        if target is not None and target not in goto_ids:
            problems.append(f"{where}: action {action.get('name')} goes to unknown step {target}")
    for criterion in criteria_list:
        try:
            criteria.check_criterion(criterion)
        except ExpressionError as exc:
            problems.append(f"{where}: {exc}")
        problems += [f"{where}: {problem}" for problem in portability.problems(criterion)]
        texts = [criterion.get("condition"), criterion.get("context")]
        problems += _step_refs(where, texts, [*earlier, str(step.get("stepId"))])
    return problems


def _check_expressions(where: str, values: Iterable[Any], known_steps: list[str]) -> list[str]:
    problems = []
    for value in values:
        for text in expressions.expressions_in(value):
            try:
                expressions.parse(text)
            except ExpressionError as exc:
                problems.append(f"{where}: {exc}")
        problems += _step_refs(where, [value], known_steps)
    return problems


def _step_refs(where: str, values: Iterable[Any], known_steps: list[str]) -> list[str]:
    problems = []
    for value in values:
        for text in _strings(value):
            for step_id in _STEP_REF.findall(text):
                if step_id not in known_steps:
                    problems.append(f"{where}: $steps.{step_id} is not an earlier step")
    return problems


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def check_cleanup_step(workflow: Workflow, step_id: str) -> list[str]:
    """The cleanup step (see ``Engine``) is a step of the workflow that calls a workflow."""
    where = workflow.workflow_id
    try:
        step = workflow.step(step_id)
    except KeyError:
        return [f"{where}: the cleanup step is no step of the workflow: {step_id}"]
    if "workflowId" not in step:
        return [f"{where}: cleanup step {step_id} does not call a workflow"]
    return []
