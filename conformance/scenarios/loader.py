"""Loading Arazzo documents: YAML, the Arazzo 1.0 schema, then this harness's own checks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from conformance.core.contract import release_key
from conformance.core.paths import SCENARIOS_DIR
from conformance.core.settings import INVENTORY_KEYS
from conformance.scenarios import criteria, expressions, portability
from conformance.scenarios.document import ScenarioDocument, Workflow
from conformance.scenarios.errors import ExpressionError, ScenarioDocumentError
from conformance.scenarios.schema import SchemaUnavailable, schema_errors
from conformance.scenarios.sources import KNOWN_SOURCES, load_source

SCENARIO_DIR = SCENARIOS_DIR
SCENARIO_GLOB = "*.arazzo.yaml"
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STEP_REF = re.compile(r"\$steps\.([A-Za-z0-9_\-]+)")


def scenario_files(directory: Path = SCENARIO_DIR) -> list[Path]:
    """The scenario documents of a directory, in name order."""
    return sorted(directory.glob(SCENARIO_GLOB))


def load(path: Path, *, require_schema: bool = False) -> ScenarioDocument:
    """Parse and check one document; ScenarioDocumentError names the first problem.

    The schema check runs when the schema has been fetched (always with ``require_schema``).
    """
    document, problems = _check(path, require_schema)
    if problems or document is None:
        raise ScenarioDocumentError(f"{path.name}: {problems[0]}")
    return document


def check_file(path: Path, *, require_schema: bool = False) -> list[str]:
    """Every problem of one document, empty when it can be run."""
    return _check(path, require_schema)[1]


def _check(path: Path, require_schema: bool) -> tuple[ScenarioDocument | None, list[str]]:
    try:
        data = _parse(path)
    except ScenarioDocumentError as exc:
        return None, [str(exc)]
    try:
        problems = schema_errors(data)
    except SchemaUnavailable as exc:
        if require_schema:
            return None, [str(exc)]
        problems = []
    if problems:
        return None, [f"not a valid Arazzo 1.0 document: {p}" for p in problems]
    try:
        document = _build(path, data)
    except ScenarioDocumentError as exc:
        return None, [str(exc)]
    return document, own_checks(document)


def _parse(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=SafeLoader)
    except FileNotFoundError:
        raise ScenarioDocumentError(f"no such scenario file: {path}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ScenarioDocumentError(f"{path.name}: not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise ScenarioDocumentError(f"{path.name}: not an Arazzo document (no mapping)")
    return data


def _build(path: Path, data: dict[str, Any]) -> ScenarioDocument:
    sources = {}
    for item in data.get("sourceDescriptions") or []:
        name, url = str(item.get("name")), str(item.get("url"))
        if name not in KNOWN_SOURCES:
            raise ScenarioDocumentError(
                f"source description {name!r} is not one of {', '.join(KNOWN_SOURCES)}"
            )
        try:
            sources[name] = load_source(name, url, path.parent)
        except (OSError, yaml.YAMLError):
            raise ScenarioDocumentError(f"source description {name!r}: cannot read {url}") from None
    if not isinstance(data.get("workflows"), list):
        raise ScenarioDocumentError("no workflows")
    return ScenarioDocument(path, data, sources)


def own_checks(document: ScenarioDocument) -> list[str]:
    """What the schema cannot check: operations, step references, expressions, extensions."""
    problems: list[str] = []
    for workflow in document.workflows:
        where = workflow.workflow_id
        problems += _check_extensions(where, workflow.data)
        seen: list[str] = []
        all_ids = [str(s.get("stepId")) for s in workflow.steps]
        for step in workflow.steps:
            problems += _check_step(document, where, step, seen, all_ids)
            seen.append(str(step.get("stepId")))
        problems += _check_cleanup(document, workflow)
        for name, value in (workflow.data.get("outputs") or {}).items():
            problems += _check_expressions(f"{where}/outputs/{name}", [value], all_ids)
    return problems


def _check_cleanup(document: ScenarioDocument, workflow: Workflow) -> list[str]:
    """``x-scv-cleanup`` names a step of the workflow that calls a workflow."""
    step_id = workflow.cleanup
    if step_id is None:
        return []
    where = workflow.workflow_id
    try:
        step = workflow.step(step_id)
    except KeyError:
        return [f"{where}: x-scv-cleanup names no step of the workflow: {step_id}"]
    if "workflowId" not in step:
        return [f"{where}: x-scv-cleanup step {step_id} does not call a workflow"]
    return []


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


def _check_extensions(where: str, data: Mapping[str, Any]) -> list[str]:
    problems = []
    for name in data.get("x-scv-requires") or []:
        if name not in INVENTORY_KEYS:
            problems.append(f"{where}: x-scv-requires names unknown inventory {name!r}")
    since = data.get("x-scv-since")
    if since is not None:
        try:
            release_key(str(since))
        except ValueError:
            problems.append(f"{where}: x-scv-since is not a release: {since!r}")
    if not isinstance(data.get("x-scv-destructive", False), bool):
        problems.append(f"{where}: x-scv-destructive must be true or false")
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
