"""Every state change is read back: where the suites prove what a write did.

A 200 alone proves nothing. This module derives, from the scenario documents and the
contract's links, which suite reads back the effect of each state-changing step and
operation, so that a test can fail on any that nothing reads back.

A step that changes state (any method but GET, logins aside: :func:`changes_state`) and
may succeed is **read back** when a later step of the same workflow

- calls a read (a GET of either source: SCV lists it, or vCenter shows it),
- has a success criterion that examines the answer's body (or demands the 404 of what was
  deleted), and
- ties that read to the write: the body criterion, or the read's parameters, name an output
  of the write or a runtime expression (an input, an earlier step's output) that the
  write's own request sends; a write that names nothing (``unregisterVcenter``) acts on
  the one object at its path, which a read of that path shows. A read of a job ties
  only through what the write's request names (the job ``failJobs`` fails): that the job
  a write started completed is the appliance's word, not the effect.

A write step whose criteria accept only refusals (4xx) changes nothing and needs none.
Cleanup workflows are workflows like any other: what they delete is read back there.

The contract's links count for the fuzzing suite's stateful phase where its
``scv_linked_resource_exists`` check proves an effect: a link from a write's answer to a
read (not a job) that takes a value the answer named: what the write created resolves.

An operation whose effect no operation of the contract can read says so and why in
``x-scv-effect-unreadable``; it is reported, never silently passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.contract.spec import Contract
from conformance.http.guard import changes_state, is_session_call
from conformance.scenarios import loader
from conformance.scenarios.arazzo.document import ScenarioDocument, Workflow

#: The contract's reason why no read can prove an operation's effect.
UNREADABLE = "x-scv-effect-unreadable"
#: Runtime expressions that name a value: an input, or an output of a step.
_EXPRESSION = re.compile(
    r"\$(?:inputs\.[A-Za-z0-9_.-]+|steps\.[A-Za-z0-9_-]+\.outputs\.[A-Za-z0-9_.-]+)"
)
_STATUS = re.compile(r"\$statusCode\s*==\s*([0-9]{3})")
_JOB_OPERATIONS = frozenset({"getJob", "getJobs", "getJobLogs"})


@dataclass(frozen=True)
class Write:
    """One step that changes state, in one workflow of one document."""

    document: str
    workflow_id: str
    step_id: str
    operation_id: str

    @property
    def label(self) -> str:
        return f"{self.document} {self.workflow_id}.{self.step_id} ({self.operation_id})"


@dataclass(frozen=True)
class ReadBack:
    """A write and the step (or link) that reads its effect back."""

    write: Write
    by: str


@dataclass
class Proof:
    """What the suites read back, and what they do not."""

    read_back: list[ReadBack] = field(default_factory=list)
    #: write steps of cleanup workflows (those other workflows call) that nothing reads back
    unread_cleanups: list[Write] = field(default_factory=list)
    #: other write steps that nothing reads back (a means to an end, e.g. the group a
    #: backup needs); their operations must still be read back somewhere
    unread_steps: list[Write] = field(default_factory=list)
    #: operationId -> how the fuzzing suite's stateful phase reads it back
    linked: dict[str, str] = field(default_factory=dict)
    #: operationId -> the contract's reason why nothing can read it back
    unreadable: dict[str, str] = field(default_factory=dict)

    def proven_operations(self) -> set[str]:
        return {r.write.operation_id for r in self.read_back} | set(self.linked)

    def unproven_operations(self, contract: Contract) -> list[str]:
        """State-changing operations of the contract that nothing reads back."""
        proven = self.proven_operations()
        missing = []
        for operation in contract.operations:
            if not operation.mutates or operation.operation_id in self.unreadable:
                continue
            if operation.operation_id in proven:
                continue
            missing.append(operation.operation_id)
        return missing


def prove(contract: Contract, documents: Iterable[ScenarioDocument]) -> Proof:
    """Where each state change is read back, from ``documents`` and the contract's links."""
    proof = Proof()
    for document in documents:
        called = document.called
        for workflow in document.workflows:
            for write, reader in workflow_read_backs(workflow):
                if reader is None and workflow.workflow_id in called:
                    proof.unread_cleanups.append(write)
                elif reader is None:
                    proof.unread_steps.append(write)
                else:
                    proof.read_back.append(ReadBack(write, reader))
    proof.linked = linked_read_backs(contract)
    proof.unreadable = {
        op.operation_id: " ".join(str(op.definition[UNREADABLE]).split())
        for op in contract.operations
        if op.mutates and op.definition.get(UNREADABLE)
    }
    return proof


def workflow_read_backs(workflow: Workflow) -> Iterator[tuple[Write, str | None]]:
    """Each write step of ``workflow`` that may succeed, with the step reading it back."""
    steps = workflow.steps
    document = workflow.document
    for index, step in enumerate(steps):
        operation = _operation(document, step)
        if operation is None or not changes_state(operation.method, operation.path):
            continue
        if refusal_only(step):
            continue
        write = Write(
            document.path.name, workflow.workflow_id, str(step["stepId"]), operation.operation_id
        )
        ties = _ties(step, steps[:index])
        singleton = operation.path if not any(ties) else None
        reader = next(
            (
                str(later["stepId"])
                for later in steps[index + 1 :]
                if _reads_back(document, later, ties, singleton)
            ),
            None,
        )
        yield write, reader


def refusal_only(step: Mapping[str, Any]) -> bool:
    """The step's criteria accept only 4xx statuses: the write is meant to be refused."""
    statuses = [
        int(code)
        for criterion in step.get("successCriteria") or []
        for code in _STATUS.findall(str(criterion.get("condition", "")))
    ]
    return bool(statuses) and all(400 <= status < 500 for status in statuses)


def _operation(document: ScenarioDocument, step: Mapping[str, Any]) -> Any:
    reference = step.get("operationId")
    if not reference:
        return None
    try:
        return document.operation(str(reference))
    except KeyError:
        return None


def _ties(
    step: Mapping[str, Any], earlier: Sequence[Mapping[str, Any]]
) -> tuple[set[str], set[str]]:
    """What names what a write wrote: (its outputs, the runtime expressions its request
    sends, and those of the earlier steps whose outputs it sends: the group created with a
    name is the group whose id a backup sends)."""
    step_id = str(step["stepId"])
    outputs = {f"$steps.{step_id}.outputs.{name}" for name in step.get("outputs") or {}}
    sent = set(_request_expressions(step))
    for before in earlier:
        prefix = f"$steps.{before.get('stepId')}.outputs."
        if any(expression.startswith(prefix) for expression in sent):
            sent |= set(_request_expressions(before))
    return outputs, sent


def _request_expressions(step: Mapping[str, Any]) -> Iterator[str]:
    yield from _expressions([step.get("parameters") or [], step.get("requestBody") or {}])


def _expressions(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from _EXPRESSION.findall(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key == "reference":
                continue  # a reusable parameter (the token) names no object
            yield from _expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from _expressions(item)


def _reads_back(
    document: ScenarioDocument,
    step: Mapping[str, Any],
    ties: tuple[set[str], set[str]],
    singleton: str | None = None,
) -> bool:
    operation = _operation(document, step)
    if operation is None or changes_state(operation.method, operation.path):
        return False
    if is_session_call(operation.method, operation.path):
        return False
    criteria = step.get("successCriteria") or []
    body_criteria = [c for c in criteria if _examines_body(c)]
    if not body_criteria and not refusal_only(step):
        return False  # a 200 alone proves nothing; a 404 for what was deleted does
    named = set(_expressions(body_criteria)) | set(_expressions(step.get("parameters") or []))
    if singleton is not None and operation.path == singleton:
        return True  # a write that names nothing acts on the one object at its path
    outputs, sent = ties
    if operation.operation_id in _JOB_OPERATIONS:
        # the job a write started proves the job, not the effect; a job the write names
        # (failJobs) is its effect
        return bool(named & sent)
    return bool(named & (outputs | sent))


def _examines_body(criterion: Mapping[str, Any]) -> bool:
    text = f"{criterion.get('context', '')} {criterion.get('condition', '')}"
    return "$response.body" in text


def linked_read_backs(contract: Contract) -> dict[str, str]:
    """operationId -> the link along which the stateful phase finds what a write created."""
    found: dict[str, str] = {}
    for operation in contract.operations:
        if not operation.mutates:
            continue
        for status, response in (operation.definition.get("responses") or {}).items():
            if not str(status).startswith("2"):
                continue
            for name, link in (response.get("links") or {}).items():
                target = link.get("operationId")
                if target is None or target in _JOB_OPERATIONS:
                    continue
                try:
                    read = contract.operation(str(target))
                except KeyError:
                    continue
                values = [str(v) for v in (link.get("parameters") or {}).values()]
                if read.mutates or not any(v.startswith("$response.body") for v in values):
                    continue
                found.setdefault(operation.operation_id, f"link {name} to {target}")
    return found


def load_documents(paths: Sequence[Path]) -> list[ScenarioDocument]:
    """The scenario documents at ``paths``, loaded and checked."""
    return [loader.load(path) for path in paths]
