"""Loading the scenario documents: the Arazzo loader plus this harness's own checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.contract.overlay import apply_overlays, read_overlay
from conformance.contract.spec import load_contract, release_key
from conformance.core.paths import CACHE_DIR, SCENARIOS_DIR
from conformance.core.settings import INVENTORY_KEYS
from conformance.scenarios import extensions
from conformance.scenarios.arazzo import loader as arazzo
from conformance.scenarios.arazzo.document import ScenarioDocument, Workflow
from conformance.scenarios.arazzo.failures import DocumentError
from conformance.scenarios.arazzo.schema import SchemaUnavailable, schema_errors
from conformance.scenarios.failures import ScenarioDocumentError

SCENARIO_DIR = SCENARIOS_DIR
SCENARIO_GLOB = "*.arazzo.yaml"
SCHEMA_PATH = CACHE_DIR / "schemas" / "arazzo-1.0.schema.json"
#: The source descriptions the harness has clients for.
SCV = "scv"
VCENTER = "vcenter"
KNOWN_SOURCES = (SCV, VCENTER)


def scenario_files(directory: Path = SCENARIO_DIR) -> list[Path]:
    """The scenario documents of a directory, in name order."""
    return sorted(directory.glob(SCENARIO_GLOB))


def load(
    path: Path, *, require_schema: bool = False, overlays: Sequence[Path] = ()
) -> ScenarioDocument:
    """Parse and check one document; ScenarioDocumentError names the first problem.

    The actions of ``overlays`` meant for scenario documents apply first (see
    :mod:`conformance.contract.overlay`); the schema check runs when the schema has been
    fetched (always with ``require_schema``).
    """
    document, problems = _check(path, require_schema, tuple(overlays))
    if problems or document is None:
        raise ScenarioDocumentError(f"{path.name}: {problems[0]}")
    return document


def check_file(path: Path, *, require_schema: bool = False) -> list[str]:
    """Every problem of one document, empty when it can be run."""
    return _check(path, require_schema)[1]


def unmatched_targets(overlays: Sequence[Path], directory: Path = SCENARIO_DIR) -> list[str]:
    """The actions of ``overlays`` meant for scenario documents that select nothing in any."""
    if not overlays:
        return []
    read = [read_overlay(path) for path in overlays]
    unmatched: set[str] | None = None
    for path in scenario_files(directory):
        left = set(apply_overlays(arazzo.read(path), read, workflows=True).unmatched)
        unmatched = left if unmatched is None else unmatched & left
    return sorted(unmatched or ())


def _check(
    path: Path, require_schema: bool, overlays: tuple[Path, ...] = ()
) -> tuple[ScenarioDocument | None, list[str]]:
    try:
        data = arazzo.read(path)
    except DocumentError as exc:
        return None, [str(exc)]
    if overlays:
        data = apply_overlays(data, [read_overlay(o) for o in overlays], workflows=True).document
    try:
        problems = schema_errors(data, SCHEMA_PATH)
    except SchemaUnavailable as exc:
        if require_schema:
            return None, [str(exc)]
        problems = []
    if problems:
        return None, [f"not a valid Arazzo 1.0 document: {p}" for p in problems]
    try:
        document = arazzo.build(path, data, KNOWN_SOURCES)
    except DocumentError as exc:
        return None, [str(exc)]
    problems = arazzo.check(document)
    for workflow in document.workflows:
        problems += _check_extensions(workflow.workflow_id, workflow.data)
        problems += _since_problems(workflow)
        problems += extensions.destructive_flag_problems(workflow)
        step_id = extensions.cleanup(workflow)
        if step_id is not None:
            problems += arazzo.check_cleanup_step(workflow, step_id)
    return document, problems


def _since_problems(workflow: Workflow) -> list[str]:
    """``x-scv-since`` must not predate an SCV operation a step calls: checked, never
    trusted (the contract's ``x-scv-since`` of each operation says)."""
    declared = extensions.since(workflow)
    try:
        declared_key = release_key(str(declared)) if declared is not None else None
    except ValueError:
        return []  # _check_extensions names it
    contract = load_contract()
    known = set(contract.operation_ids())
    problems = []
    for step in workflow.operation_steps():
        try:
            operation = workflow.document.operation(str(step.get("operationId")))
        except KeyError:
            continue
        if operation.source != SCV or operation.operation_id not in known:
            continue
        newer = contract.operation(operation.operation_id).since
        if declared_key is not None and release_key(newer) > declared_key:
            problems.append(
                f"{workflow.workflow_id}: x-scv-since is {declared} but step "
                f"{step.get('stepId')} calls {operation.operation_id}, which SCV {newer} "
                "brought"
            )
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
