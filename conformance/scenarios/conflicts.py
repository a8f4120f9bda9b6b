"""Which workflows must not run at the same time, derived from what each one touches.

A workflow touches *objects*: the inventory and other string inputs its requests name (a
VM's moref, a datastore, a storage system, a resource group's name) and what it got from
them (a backup of that VM, a mount of that backup); a value read from a list that no input
selects (the first schedule of ``getSchedules``) stands for that list, named by its path.
A step *writes* the objects its request names when the contract says its operation changes
state, and *reads* them otherwise; a list is written only by a request to its own path or
below it (changing the schedule picked from the list), not by one that merely refers to
a member (a new resource group with the first policy of the list). Two workflows conflict
when one writes an object the other reads or writes, e.g. restoring a VM and attaching
disks of its backup, or mounting and unmounting a backup of the same datastore.

Only the request's path, query and body name objects: headers carry tokens and session ids.
Inputs that are secrets (a password) name nothing. Calls to other workflows of the same
document (``workflowId`` steps) count as the callee's steps, with its inputs bound to the
caller's values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from conformance.contract.pointers import strings
from conformance.http.redaction import is_secret_field

_INPUT = re.compile(r"\$inputs\.([A-Za-z0-9_\-]+)")
_STEP = re.compile(r"\$steps\.([A-Za-z0-9_\-]+)")
_COMPONENT = "$components.parameters."
#: Where request values are; ``header`` parameters are left out on purpose.
_NAMING = ("path", "query")


class OperationRef(Protocol):
    """What the analysis needs of a step's operation."""

    @property
    def source(self) -> str: ...

    @property
    def operation_id(self) -> str: ...

    @property
    def path(self) -> str: ...


class WorkflowRef(Protocol):
    """What the analysis needs of a workflow."""

    @property
    def workflow_id(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any]: ...

    @property
    def document(self) -> Any: ...


#: True when calling the operation changes the target's state (the contract says which).
Mutates = Callable[[Any], bool]


@dataclass(frozen=True)
class Footprint:
    """The objects one workflow reads and writes."""

    workflow_id: str
    reads: frozenset[str]
    writes: frozenset[str]
    #: For explanations: which inputs (or lists) each object came from.
    names: Mapping[str, frozenset[str]] = field(default_factory=dict, compare=False)

    @property
    def touches(self) -> frozenset[str]:
        return self.reads | self.writes

    def shared(self, other: Footprint) -> frozenset[str]:
        """The objects over which the two conflict (empty when they do not)."""
        return (self.writes & other.touches) | (other.writes & self.touches)

    def conflicts_with(self, other: Footprint) -> bool:
        return bool(self.shared(other))

    def explain(self, other: Footprint) -> str:
        """Why the two conflict, by input names, never by values (a value may be private)."""
        parts = []
        for obj in sorted(self.shared(other)):
            names = sorted(self.names.get(obj, frozenset()) | other.names.get(obj, frozenset()))
            parts.append("/".join(names) or obj)
        return ", ".join(parts)


def collection(operation: OperationRef) -> str:
    """The object a value read from ``operation``'s answer stands for, when no input selects
    it: the list at that path (reads and writes of one path share it)."""
    return f"{operation.source} {operation.path}"


def _value_object(value: Any) -> str | None:
    return f"value {value}" if isinstance(value, str) and value else None


@dataclass
class _Walk:
    """The accesses gathered while walking one workflow (and those it calls)."""

    mutates: Mutates
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    names: dict[str, set[str]] = field(default_factory=dict)
    #: The objects that stand for a list, by the list's source and path.
    lists: dict[str, tuple[str, str]] = field(default_factory=dict)

    def name(self, objects: Iterable[str], label: str) -> None:
        for obj in objects:
            self.names.setdefault(obj, set()).add(label)


def footprint(workflow: WorkflowRef, values: Mapping[str, Any], mutates: Mutates) -> Footprint:
    """What ``workflow`` touches when run with input ``values`` (the schema's defaults fill
    the gaps; an input without a value stands for itself, so that it still conflicts)."""
    walk = _Walk(mutates)
    inputs = _input_objects(workflow.data, values, walk)
    _walk_workflow(workflow.document, workflow.data, inputs, walk, depth=0)
    return Footprint(
        workflow.workflow_id,
        frozenset(walk.reads),
        frozenset(walk.writes),
        {k: frozenset(v) for k, v in walk.names.items()},
    )


def _input_objects(
    data: Mapping[str, Any], values: Mapping[str, Any], walk: _Walk
) -> dict[str, frozenset[str]]:
    properties = (data.get("inputs") or {}).get("properties") or {}
    objects: dict[str, frozenset[str]] = {}
    for name, schema in properties.items():
        if is_secret_field(str(name)) or (isinstance(schema, dict) and _secret_schema(schema)):
            objects[name] = frozenset()
            continue
        value = values.get(name, schema.get("default") if isinstance(schema, dict) else None)
        if value is None:
            obj: str | None = f"input {name}"
        elif isinstance(value, str):
            obj = _value_object(value)
        else:
            obj = None  # a number or a flag is a setting, not an object
        objects[name] = frozenset({obj}) if obj else frozenset()
        walk.name(objects[name], str(name))
    return objects


def _secret_schema(schema: Mapping[str, Any]) -> bool:
    return schema.get("format") == "password" or bool(schema.get("writeOnly"))


def _walk_workflow(
    document: Any,
    data: Mapping[str, Any],
    inputs: Mapping[str, frozenset[str]],
    walk: _Walk,
    depth: int,
) -> frozenset[str]:
    """Record the accesses of every step of ``data``; returns all the objects it touched."""
    steps: dict[str, frozenset[str]] = {}
    touched: set[str] = set()
    for step in data.get("steps") or []:
        step_id = str(step.get("stepId"))
        if "workflowId" in step:
            objects = _call(document, step, inputs, steps, walk, depth)
        else:
            objects = _operation_step(document, step, inputs, steps, walk)
        steps[step_id] = objects
        touched |= objects
    return frozenset(touched)


def _operation_step(
    document: Any,
    step: Mapping[str, Any],
    inputs: Mapping[str, frozenset[str]],
    steps: Mapping[str, frozenset[str]],
    walk: _Walk,
) -> frozenset[str]:
    operation = document.operation(str(step["operationId"]))
    named = _provenance(_request_values(document, step), inputs, steps)
    own = collection(operation)
    walk.lists[own] = (operation.source, operation.path)
    objects = named or frozenset({own})
    if walk.mutates(operation):
        referred = {obj for obj in objects if not _changes(operation, walk.lists.get(obj))}
        walk.writes |= objects - referred
        walk.reads |= referred
    else:
        walk.reads |= objects | {own}
    if not named:
        walk.name(objects, operation.operation_id)
    return objects


def _changes(operation: OperationRef, listed: tuple[str, str] | None) -> bool:
    """Whether a state-changing ``operation`` changes the object: any named by a value,
    a list only at its own path or below."""
    if listed is None:
        return True
    source, path = listed
    return operation.source == source and (
        operation.path == path or operation.path.startswith(path.rstrip("/") + "/")
    )


def _call(
    document: Any,
    step: Mapping[str, Any],
    inputs: Mapping[str, frozenset[str]],
    steps: Mapping[str, frozenset[str]],
    walk: _Walk,
    depth: int,
) -> frozenset[str]:
    callee = _workflow_data(document, str(step["workflowId"]))
    if callee is None or depth > 8:
        return frozenset()
    bound = {
        str(p.get("name")): _provenance([p.get("value")], inputs, steps)
        for p in _parameters(document, step)
    }
    return _walk_workflow(document, callee, bound, walk, depth + 1)


def _workflow_data(document: Any, workflow_id: str) -> Mapping[str, Any] | None:
    for data in document.data.get("workflows") or []:
        if data.get("workflowId") == workflow_id:
            return data
    return None


def _parameters(document: Any, step: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The step's parameters, reusable ones (``$components.parameters.x``) resolved."""
    components = (document.data.get("components") or {}).get("parameters") or {}
    for parameter in step.get("parameters") or []:
        reference = parameter.get("reference")
        if isinstance(reference, str) and reference.startswith(_COMPONENT):
            resolved = dict(components.get(reference[len(_COMPONENT) :]) or {})
            if "value" in parameter:
                resolved["value"] = parameter["value"]
            yield resolved
        else:
            yield parameter


def _request_values(document: Any, step: Mapping[str, Any]) -> list[Any]:
    values = [p.get("value") for p in _parameters(document, step) if p.get("in") in _NAMING]
    body = step.get("requestBody") or {}
    values.append(body.get("payload"))
    values += [r.get("value") for r in body.get("replacements") or []]
    return values


def _provenance(
    values: Iterable[Any],
    inputs: Mapping[str, frozenset[str]],
    steps: Mapping[str, frozenset[str]],
) -> frozenset[str]:
    """The objects that the runtime expressions in ``values`` derive from."""
    found: set[str] = set()
    for text in strings(values):
        for name in _INPUT.findall(text):
            found |= inputs.get(name, frozenset())
        for step_id in _STEP.findall(text):
            found |= steps.get(step_id, frozenset())
    return frozenset(found)


def conflict_graph(footprints: Iterable[Footprint]) -> dict[str, frozenset[str]]:
    """For each workflow, the workflows it must not run beside."""
    prints = list(footprints)
    return {
        a.workflow_id: frozenset(
            b.workflow_id for b in prints if b is not a and a.conflicts_with(b)
        )
        for a in prints
    }
