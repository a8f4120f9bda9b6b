"""Workflows as the appliance needs them, where the vendor's pages name things two ways.

A scenario document names one of two alternative operations (``getDatastoreSnapshotLocations``
at ``.../snapshotlocations`` or ``getDatastoreSnapshotLocators`` at ``.../snapshotlocators``)
and reads the ESX host list under one spelling (``availableEsxHostsList``). When the
preflight found that the appliance serves the other path, or spells the list the other way,
the workflow runs with the one the appliance uses; the document itself stays as written.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from conformance.core.context import RunContext
from conformance.core.findings import ESX_HOSTS_KEYS
from conformance.scenarios.arazzo.document import ScenarioDocument, Workflow
from conformance.scenarios.loader import SCV

#: The parts of a step that read its answer.
_READERS = ("successCriteria", "outputs", "onSuccess", "onFailure")
_ESX_HOSTS = re.compile("|".join(re.escape(key) for key in ESX_HOSTS_KEYS.values()))


def adapt(workflow: Workflow, context: RunContext) -> tuple[Workflow, list[str]]:
    """``workflow`` with the alternatives the appliance uses, and a line per change.

    Every workflow of its document is adapted, as a step may call another workflow.
    """
    if context.findings is None:
        return workflow, []
    document = workflow.document
    data = copy.deepcopy(dict(document.data))
    changes: list[str] = []
    for raw in data.get("workflows") or []:
        for step in raw.get("steps") or []:
            changes += [
                f"{raw.get('workflowId')}: {change}"
                for change in _adapt_step(step, document, context)
            ]
    if not changes:
        return workflow, []
    adapted = ScenarioDocument(document.path, data, document.sources)
    return adapted.workflow(workflow.workflow_id), changes


def _adapt_step(step: dict[str, Any], document: ScenarioDocument, context: RunContext) -> list[str]:
    findings = context.findings
    assert findings is not None
    changes = []
    reference = str(step.get("operationId", ""))
    if not reference:
        return []
    try:
        operation = document.operation(reference)
    except KeyError:
        return []
    if operation.source != SCV:
        return []
    served = findings.served_operation(operation.operation_id, context.contract)
    if served != operation.operation_id:
        # keep the reference's form: qualified ($sourceDescriptions.scv.<id>) or not
        step["operationId"] = reference.removesuffix(operation.operation_id) + served
        changes.append(
            f"step {step.get('stepId')}: {served} instead of {operation.operation_id} "
            f"(the appliance serves {findings.snapshot_path})"
        )
    key = findings.esx_hosts_key
    if key is not None:
        for part in _READERS:
            if part in step:
                step[part], replaced = _respell(step[part], key)
                if replaced:
                    changes.append(
                        f"step {step.get('stepId')}: reads the ESX host list as {key} "
                        f"({part}), as the appliance spells it"
                    )
    return changes


def _respell(value: Any, key: str) -> tuple[Any, bool]:
    """``value`` with every spelling of the ESX host list key replaced by ``key``."""
    if isinstance(value, str):
        replaced = _ESX_HOSTS.sub(key, value)
        return replaced, replaced != value
    if isinstance(value, Mapping):
        results = {k: _respell(v, key) for k, v in value.items()}
        return {k: v for k, (v, _) in results.items()}, any(c for _, c in results.values())
    if isinstance(value, list):
        items = [_respell(v, key) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    return value, False
