"""Running one Arazzo workflow: steps, criteria, actions, polling, outputs and cleanup."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from jsonpath import JSONPointer

from conformance.scenarios.arazzo import criteria, expressions
from conformance.scenarios.arazzo.document import ScenarioDocument, Workflow
from conformance.scenarios.arazzo.expressions import Message, Scope
from conformance.scenarios.arazzo.failures import (
    Attachment,
    ExpressionError,
    StepFailure,
    Stopped,
    Unmet,
    UnresolvedExpression,
)
from conformance.scenarios.arazzo.sources import SourceOperation

#: Called with the (prefixed) stepId and the client's record of each call.
#: Whether a success criterion (given with its step) may fail without failing the step.
SoftCriterion = Callable[[Mapping[str, Any], Mapping[str, Any]], bool]
CallListener = Callable[[str, Any], None]
CLEANUP = "cleanup"
#: Parameters of a cleanup step that are not what it undoes.
CREDENTIAL_INPUTS = frozenset({"username", "password"})
#: Expressions a step's criteria may name that its own call does not answer.
GIVEN_KINDS = frozenset({"inputs", "outputs", "steps", "workflows"})


class Client(Protocol):
    """Sends a step's request exactly as the document spells it; reports each call."""

    listeners: list[Callable[[Any], None]]

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response: ...


class Polling(Protocol):
    """How steps that watch a long-running task (a job) are polled.

    A step on an operation it ``applies`` to, with a ``retry`` failure action, polls: waits
    ``delay`` between tries, stops after ``timeout`` seconds, and fails at once when the
    answer shows the task ``failed``.
    """

    timeout: float

    def applies(self, operation: SourceOperation) -> bool: ...

    def delay(self, attempt: int, retry_after: float) -> float: ...

    def failed(self, body: Any) -> str | None: ...

    def timed_out(self, body: Any) -> str: ...

    def attachments(self, body: Any) -> list[Attachment]: ...


class Debts(Protocol):
    """Where the engine notes the cleanups a workflow owes, as it goes (a ledger)."""

    def owe(self, workflow_id: str, key: str, request: str) -> None: ...

    def settle(self, workflow_id: str, key: str) -> None: ...


def _not_a_get(operation: SourceOperation) -> bool:
    return operation.method.upper() != "GET"


@dataclass
class RunResult:
    """How a workflow ended."""

    workflow_id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    failure: StepFailure | None = None
    cleanup_failures: list[StepFailure] = field(default_factory=list)
    skipped_cleanup: list[str] = field(default_factory=list)
    #: Steps that succeeded although soft criteria of theirs did not hold (see Engine).
    soft_failures: list[StepFailure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failure is None and not self.cleanup_failures

    def error(self) -> StepFailure | None:
        """The failure to report: the workflow's own, else the first cleanup failure."""
        if self.failure is not None:
            if not self.cleanup_failures:
                return self.failure
            notes = "; ".join(str(f) for f in self.cleanup_failures)
            return replace(
                self.failure, detail=f"{self.failure.detail} (cleanup also failed: {notes})"
            )
        return self.cleanup_failures[0] if self.cleanup_failures else None


class _End(Exception):
    """An ``end`` action: the workflow stops here."""


class Engine:
    """Runs workflows of one document through a client per source description.

    ``cleanup_extension`` names the workflow extension whose value is the stepId of the
    step that cleans up; the engine runs that step on every exit path, interrupts
    (KeyboardInterrupt, SystemExit) included, after ``before_cleanup``. The cleanup, and
    every step that ``changes_state``, run inside ``shield``: an interrupt held there
    lets a change finish (so its cleanup knows what to undo) and the cleanup complete.
    Once a call that ``changes_state`` has been sent, the cleanup step is owed in
    ``debts`` (with the values it will clean up with) until it succeeds; a state-changing
    call is owed until its answer arrives.
    ``soft`` tells the success criteria (given with their step) that may fail without
    failing the step: the step succeeds, and the result's ``soft_failures`` note what did
    not hold.
    ``stop_requested`` is asked before each step and each wait between tries: once it says
    yes, the workflow starts nothing more but its cleanup, and :class:`Stopped` follows.
    This is how an interrupt reaches a workflow that runs in a thread of its own, where no
    signal arrives; a step already sent finishes first.
    """

    def __init__(
        self,
        document: ScenarioDocument,
        clients: Mapping[str, Client],
        *,
        polling: Polling | None = None,
        cleanup_extension: str | None = None,
        on_call: CallListener | None = None,
        sleep: Callable[[float], None] = time.sleep,
        debts: Debts | None = None,
        changes_state: Callable[[SourceOperation], bool] = _not_a_get,
        shield: Callable[[], AbstractContextManager[None]] = nullcontext,
        before_cleanup: Callable[[], None] | None = None,
        soft: SoftCriterion | None = None,
        stop_requested: Callable[[], bool] = lambda: False,
    ) -> None:
        self.document = document
        self.stop_requested = stop_requested
        self.soft = soft
        self._soft_failures: list[StepFailure] = []
        self.clients = clients
        self.polling = polling
        self.cleanup_extension = cleanup_extension
        self.on_call = on_call
        self.sleep = sleep
        self.debts = debts
        self.changes_state = changes_state
        self.shield = shield
        self.before_cleanup = before_cleanup
        self._changed = False
        self._cleaning = False
        self._unanswered: list[tuple[str, str, SourceOperation]] = []
        self._step_id = ""
        self._prefix = ""
        self._last: Any = None
        for client in clients.values():
            client.listeners.append(self._record)

    def _cleanup_step(self, workflow: Workflow) -> str | None:
        if self.cleanup_extension is None:
            return None
        step_id = workflow.extension(self.cleanup_extension)
        return str(step_id) if step_id is not None else None

    def _record(self, exchange: Any) -> None:
        self._last = exchange
        if self.on_call is not None:
            self.on_call(self._step_id, exchange)

    def run(self, workflow: Workflow, inputs: Mapping[str, Any]) -> RunResult:
        """Run ``workflow`` with ``inputs``; its cleanup step runs whatever happened."""
        values = _defaults(workflow.input_schema)
        values.update(inputs)
        sources = {name: s.url for name, s in self.document.sources.items()}
        scope = Scope(inputs=values, sources=sources)
        result = RunResult(workflow.workflow_id, dict(values))
        self._soft_failures = result.soft_failures
        ran: list[str] = []
        self._changed = False
        self._unanswered = []
        try:
            self._run_steps(workflow, scope, ran=ran, skipped=result.skipped_cleanup)
        except StepFailure as failure:
            if failure.check == CLEANUP:
                result.cleanup_failures.append(failure)
            else:
                result.failure = failure
        finally:
            for name, expression in (workflow.data.get("outputs") or {}).items():
                try:
                    result.outputs[name] = expressions.resolve_value(expression, scope)
                except UnresolvedExpression:
                    continue
            scope.outputs.update(result.outputs)
            with self.shield():
                self._clean_up(workflow, scope, result, ran)
        return result

    def _clean_up(
        self, workflow: Workflow, scope: Scope, result: RunResult, ran: list[str]
    ) -> None:
        """Run the cleanup step unless the steps ran it; settle what it owed."""
        cleanup = self._cleanup_step(workflow)
        if cleanup is None:
            return
        self._note_debt(workflow, scope)
        cut_short = cleanup not in scope.steps and not result.cleanup_failures
        if cleanup not in ran or cut_short:
            if self.before_cleanup is not None:
                self.before_cleanup()
            try:
                self._run_step(
                    workflow,
                    workflow.step(cleanup),
                    scope,
                    lenient=True,
                    skipped=result.skipped_cleanup,
                )
            except _End:
                pass
            except StepFailure as failure:
                result.cleanup_failures.append(failure)
        if self.debts is None or result.cleanup_failures or cleanup not in scope.steps:
            return
        self.debts.settle(workflow.workflow_id, cleanup)
        for key, _, operation in self._unanswered:
            if "{" in operation.path:  # a change to something the cleanup undid
                self.debts.settle(workflow.workflow_id, key)

    def _note_debt(self, workflow: Workflow, scope: Scope) -> None:
        """Once the workflow changed state, its cleanup is owed, with what it will undo."""
        cleanup = self._cleanup_step(workflow)
        if self.debts is None or cleanup is None or not self._changed:
            return
        step = workflow.step(cleanup)
        values = []
        for parameter in step.get("parameters") or []:
            name = str(parameter.get("name"))
            if name in CREDENTIAL_INPUTS:
                continue  # how it logs in, not what it undoes
            try:
                value = expressions.resolve_value(parameter.get("value"), scope)
            except UnresolvedExpression:
                continue
            values.append(f"{name}={value}")
        target = step.get("workflowId") or step.get("operationId")
        self.debts.owe(workflow.workflow_id, cleanup, f"{target}({', '.join(values)})")

    def _run_steps(
        self,
        workflow: Workflow,
        scope: Scope,
        *,
        ran: list[str] | None = None,
        lenient: bool = False,
        skipped: list[str] | None = None,
    ) -> None:
        """Run the steps in order, following goto.

        ``lenient`` skips a step whose expressions point at nothing: a cleanup workflow
        run after a failure, for an object that was never created.
        """
        steps = workflow.steps
        index = 0
        while index < len(steps):
            step = steps[index]
            if lenient and not self._resolvable(step, scope):
                if skipped is not None:
                    skipped.append(self._prefix + str(step["stepId"]))
                index += 1
                continue
            self._stop_if_requested(workflow, step)
            if ran is not None:
                ran.append(str(step["stepId"]))
            try:
                with self._shield_for(workflow, step):
                    target = self._run_step(workflow, step, scope, lenient=lenient, skipped=skipped)
            except _End:
                return
            finally:
                if not lenient and not self._prefix:
                    self._note_debt(workflow, scope)
            index = index + 1 if target is None else _index(steps, target)

    def _stop_if_requested(self, workflow: Workflow, step: Mapping[str, Any]) -> None:
        """Stopped, when the run was asked to stop (a cleanup is never stopped)."""
        if not self._cleaning and self.stop_requested():
            raise Stopped(
                f"{workflow.workflow_id}: the run was asked to stop before step "
                f"{self._prefix}{step.get('stepId')}"
            )

    def _shield_for(
        self, workflow: Workflow, step: Mapping[str, Any]
    ) -> AbstractContextManager[None]:
        """The shield for the cleanup step and a step that changes state; none otherwise."""
        if step.get("stepId") == self._cleanup_step(workflow):
            return self.shield()
        if "operationId" in step and self.changes_state(
            self.document.operation(str(step["operationId"]))
        ):
            return self.shield()
        return nullcontext()

    def _resolvable(self, step: Mapping[str, Any], scope: Scope) -> bool:
        if "workflowId" in step:
            return True
        try:
            self._request_parts(step, self.document.operation(str(step["operationId"])), scope)
            for entry in step.get("x-security") or []:
                expressions.resolve_value(entry.get("values") or {}, scope)
        except UnresolvedExpression:
            return False
        return all(self._given(criterion, scope) for criterion in step.get("successCriteria") or [])

    @staticmethod
    def _given(criterion: Mapping[str, Any], scope: Scope) -> bool:
        """Whether what a criterion names besides its step's answer points at something: a
        read-back of an object never created (``{$inputs.groupId}``) has nothing to read."""
        condition = str(criterion.get("condition", ""))
        named = expressions.embedded(condition)
        if criteria.criterion_type(criterion)[0] == "simple":
            with suppress(ExpressionError):  # refused when the document is loaded
                named += [t.text for t in criteria.tokenize(condition) if t.kind == "expr"]
        for text in named:
            try:
                if expressions.parse(text).kind in GIVEN_KINDS:
                    expressions.evaluate(text, scope)
            except ExpressionError:
                continue
            except UnresolvedExpression:
                return False
        return True

    def _run_workflow_step(
        self,
        workflow: Workflow,
        step: Mapping[str, Any],
        scope: Scope,
        check: str,
        lenient: bool,
        skipped: list[str] | None,
    ) -> None:
        """Run the workflow a step calls with the step's parameters as its inputs.

        The called workflow's outputs are ``$outputs`` in the step's outputs.
        """
        step_id = str(step["stepId"])
        called = self.document.workflow(str(step["workflowId"]))
        inputs = _defaults(called.input_schema)
        for parameter in step.get("parameters") or []:
            try:
                inputs[str(parameter["name"])] = expressions.resolve_value(
                    parameter.get("value"), scope
                )
            except UnresolvedExpression as exc:
                if lenient:
                    continue
                raise StepFailure(
                    workflow.workflow_id, step_id, "expression", str(exc), self._last
                ) from None
        inner = Scope(inputs=inputs, sources=scope.sources)
        prefix = self._prefix
        self._prefix = f"{prefix}{step_id}/"
        try:
            self._run_steps(called, inner, lenient=lenient, skipped=skipped)
        except StepFailure as failure:
            raise StepFailure(
                workflow.workflow_id,
                step_id,
                check if check == CLEANUP else failure.check,
                f"{called.workflow_id}/{failure.step_id}: {failure.detail}",
                failure.exchange,
                failure.attachments,
                path=f"{step_id}/{failure.step_path}",
            ) from None
        finally:
            self._prefix = prefix
        for name, expression in (called.data.get("outputs") or {}).items():
            try:
                inner.outputs[name] = expressions.resolve_value(expression, inner)
            except UnresolvedExpression:
                continue
        outputs_scope = Scope(inputs=scope.inputs, steps=scope.steps, outputs=inner.outputs)
        scope.steps[step_id] = self._outputs(workflow, step, outputs_scope)

    def _run_step(
        self,
        workflow: Workflow,
        step: Mapping[str, Any],
        scope: Scope,
        *,
        lenient: bool = False,
        skipped: list[str] | None = None,
    ) -> str | None:
        """Run a step until its criteria hold or its actions give up; the goto target."""
        step_id = str(step["stepId"])
        check = CLEANUP if step_id == self._cleanup_step(workflow) else "successCriteria"
        if check == CLEANUP and not self._cleaning:
            self._cleaning = True
            try:
                return self._run_step(workflow, step, scope, lenient=lenient, skipped=skipped)
            finally:
                self._cleaning = False
        if "workflowId" in step:
            try:
                self._run_workflow_step(workflow, step, scope, check, lenient, skipped)
            except StepFailure as failure:
                if check == CLEANUP:
                    failure.detail = f"cleanup failed: {failure.detail}"
                raise
            return None
        operation = self.document.operation(str(step["operationId"]))
        poller = self.polling if self.polling and self.polling.applies(operation) else None
        started = time.monotonic()
        retries: dict[int, int] = {}
        attempt = 0
        while True:
            message = self._call(workflow, step, operation, scope)
            scope.message = message
            failed = [
                c
                for c in step.get("successCriteria") or []
                if not self._holds(workflow, step_id, c, scope)
            ]
            soft = [c for c in failed if self.soft is not None and self.soft(step, c)]
            if soft and len(soft) == len(failed):
                self._soft_failures.append(
                    self._criteria_failure(workflow, step_id, soft, scope, check)
                )
                failed = []
            failed = [c for c in failed if c not in soft]
            if not failed:
                scope.steps[step_id] = self._outputs(workflow, step, scope)
                action = self._choose(workflow, step, "onSuccess", "successActions", scope)
                return self._follow(action)
            ended = poller.failed(message.response_body) if poller else None
            if poller and ended:
                raise self._poll_failure(workflow, step_id, poller, ended, message)
            action_index, action = self._failure_action(workflow, step, scope, retries)
            if action is None:
                # what the step did return still names what it created, for the cleanup
                scope.steps.setdefault(step_id, self._partial_outputs(step, scope))
                raise self._criteria_failure(workflow, step_id, failed, scope, check)
            if action.get("type") == "retry":
                retries[action_index] = retries.get(action_index, 0) + 1
                wait = self._retry_wait(action, message, poller, attempt)
                if poller and time.monotonic() - started + wait > poller.timeout:
                    detail = poller.timed_out(message.response_body)
                    raise self._poll_failure(workflow, step_id, poller, detail, message)
                self._stop_if_requested(workflow, step)
                self.sleep(wait)
                attempt += 1
                if action.get("stepId"):
                    return str(action["stepId"])
                continue
            return self._follow(action)

    def _retry_wait(
        self, action: Mapping[str, Any], message: Message, poller: Polling | None, attempt: int
    ) -> float:
        retry_after = float(action.get("retryAfter", 0))
        header = {k.lower(): v for k, v in message.response_headers.items()}.get("retry-after")
        if header is not None:
            try:
                return max(0.0, float(header))
            except ValueError:
                pass
        return poller.delay(attempt, retry_after) if poller else retry_after

    def _follow(self, action: Mapping[str, Any] | None) -> str | None:
        if action is None:
            return None
        if action.get("type") == "end":
            raise _End()
        return str(action["stepId"]) if action.get("stepId") else None

    def _choose(
        self, workflow: Workflow, step: Mapping[str, Any], key: str, workflow_key: str, scope: Scope
    ) -> Mapping[str, Any] | None:
        actions = [*(step.get(key) or []), *(workflow.data.get(workflow_key) or [])]
        for action in actions:
            if all(
                self._holds(workflow, str(step["stepId"]), c, scope)
                for c in action.get("criteria") or []
            ):
                return action
        return None

    def _failure_action(
        self, workflow: Workflow, step: Mapping[str, Any], scope: Scope, retries: dict[int, int]
    ) -> tuple[int, Mapping[str, Any] | None]:
        actions = [*(step.get("onFailure") or []), *(workflow.data.get("failureActions") or [])]
        for index, action in enumerate(actions):
            if not all(
                self._holds(workflow, str(step["stepId"]), c, scope)
                for c in action.get("criteria") or []
            ):
                continue
            if action.get("type") == "retry" and retries.get(index, 0) >= int(
                action.get("retryLimit", 1)
            ):
                continue
            return index, action
        return -1, None

    def _holds(
        self, workflow: Workflow, step_id: str, criterion: Mapping[str, Any], scope: Scope
    ) -> bool:
        try:
            return criteria.evaluate_criterion(criterion, scope)
        except UnresolvedExpression as exc:
            raise StepFailure(
                workflow.workflow_id, step_id, "expression", str(exc), self._last
            ) from None

    def _partial_outputs(self, step: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
        """The outputs of a failed step that its answer still yields."""
        outputs = {}
        for name, expression in (step.get("outputs") or {}).items():
            try:
                value = expressions.resolve_value(expression, scope)
            except UnresolvedExpression:
                continue
            if value is not None:
                outputs[name] = value
        return outputs

    def _outputs(self, workflow: Workflow, step: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
        outputs = {}
        for name, expression in (step.get("outputs") or {}).items():
            try:
                outputs[name] = expressions.resolve_value(expression, scope)
            except UnresolvedExpression as exc:
                raise StepFailure(
                    workflow.workflow_id,
                    str(step["stepId"]),
                    "outputs",
                    f"output {name}: {exc}",
                    self._last,
                ) from None
        return outputs

    def _request_parts(
        self, step: Mapping[str, Any], operation: SourceOperation, scope: Scope
    ) -> tuple[str, dict[str, Any], dict[str, str], Any]:
        path = operation.path
        query: dict[str, Any] = {}
        headers: dict[str, str] = {}
        for parameter in self.document.parameters(step):
            value = expressions.resolve_value(parameter.get("value"), scope)
            where, name = parameter.get("in"), str(parameter["name"])
            if where == "path":
                path = path.replace("{" + name + "}", quote(str(value), safe=""))
            elif where == "query":
                query[name] = value
            elif where == "header":
                headers[name] = str(value)
        body = step.get("requestBody")
        payload = None
        if body is not None:
            payload = copy.deepcopy(expressions.resolve_value(body.get("payload"), scope))
            for replacement in body.get("replacements") or []:
                value = expressions.resolve_value(replacement.get("value"), scope)
                payload = _replace(payload, str(replacement["target"]), value)
        return path, query, headers, payload

    def _security(
        self,
        step: Mapping[str, Any],
        operation: SourceOperation,
        scope: Scope,
        headers: dict[str, str],
    ) -> dict[str, Any]:
        """What a step's ``x-security`` adds: basic auth, or an API key header."""
        extra: dict[str, Any] = {}
        for entry in step.get("x-security") or []:
            scheme = entry.get("scheme") or self.document.security_scheme(
                operation.source, str(entry.get("schemeName"))
            )
            values = expressions.resolve_value(entry.get("values") or {}, scope)
            kind = str(scheme.get("type"))
            if kind == "http" and str(scheme.get("scheme")).lower() == "basic":
                extra["auth"] = (str(values["username"]), str(values["password"]))
            elif kind == "http" and str(scheme.get("scheme")).lower() == "bearer":
                headers["Authorization"] = f"Bearer {values['token']}"
            elif kind == "apiKey" and scheme.get("in") == "header":
                headers[str(scheme["name"])] = str(values["apiKey"])
        return extra

    def _call(
        self, workflow: Workflow, step: Mapping[str, Any], operation: SourceOperation, scope: Scope
    ) -> Message:
        step_id = str(step["stepId"])
        try:
            path, query, headers, payload = self._request_parts(step, operation, scope)
        except UnresolvedExpression as exc:
            raise StepFailure(
                workflow.workflow_id, step_id, "expression", str(exc), self._last
            ) from None
        self._step_id = self._prefix + step_id
        kwargs: dict[str, Any] = {"params": query or None, "headers": headers}
        if payload is not None:
            kwargs["json"] = payload
        try:
            kwargs.update(self._security(step, operation, scope, headers))
        except UnresolvedExpression as exc:
            raise StepFailure(
                workflow.workflow_id, step_id, "expression", str(exc), self._last
            ) from None
        client = self.clients.get(operation.source)
        if client is None:
            raise StepFailure(
                workflow.workflow_id,
                step_id,
                operation.source,
                f"the step calls {operation.source} but no URL is configured for it",
            )
        response = self._send(workflow, step_id, client, operation, path, kwargs)
        return Message(
            method=operation.method,
            url=str(response.request.url),
            status_code=response.status_code,
            request_headers=dict(response.request.headers),
            request_query=query,
            request_path=_path_values(step, scope),
            request_body=payload,
            response_headers=dict(response.headers),
            response_body=_body(response),
        )

    def _send(
        self,
        workflow: Workflow,
        step_id: str,
        client: Client,
        operation: SourceOperation,
        path: str,
        kwargs: dict[str, Any],
    ) -> httpx.Response:
        """Send a call; one that changes state is owed until its answer arrives.

        An interrupt while the target works on a create leaves no id to clean up with; the
        debts then name the call whose answer never came.
        """
        if not self.changes_state(operation):
            return client.send(operation.method, path, **kwargs)
        self._changed = True
        key = f"{self._prefix}{step_id} (answer never arrived)"
        if self.debts is not None:
            request = f"{operation.operation_id}: {operation.method} {path}: check by hand"
            self.debts.owe(workflow.workflow_id, key, request)
        self._unanswered.append((key, path, operation))
        response = client.send(operation.method, path, **kwargs)
        self._unanswered.pop()
        if self.debts is not None:
            self.debts.settle(workflow.workflow_id, key)
        return response

    def _criteria_failure(
        self,
        workflow: Workflow,
        step_id: str,
        failed: list[Mapping[str, Any]],
        scope: Scope,
        check: str,
    ) -> StepFailure:
        message = scope.message or Message()
        details = "; ".join(criteria.describe(c, scope) for c in failed)
        status = f"HTTP {message.status_code}"
        body = message.response_body
        if isinstance(body, dict) and body.get("responseMessage"):
            status += f" ({body['responseMessage']})"
        return StepFailure(
            workflow.workflow_id,
            step_id,
            check,
            f"{message.method} {_short_path(message.url)} answered {status}; not met: {details}",
            self._last,
            unmet=tuple(Unmet(c, criteria.operands(c, scope)) for c in failed),
        )

    def _poll_failure(
        self, workflow: Workflow, step_id: str, poller: Polling, detail: str, message: Message
    ) -> StepFailure:
        exchange = self._last
        attachments = poller.attachments(message.response_body)
        return StepFailure(workflow.workflow_id, step_id, "job", detail, exchange, attachments)


def _defaults(schema: Mapping[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    return {
        k: v["default"] for k, v in properties.items() if isinstance(v, dict) and "default" in v
    }


def _index(steps: list[Mapping[str, Any]], step_id: str) -> int:
    for index, step in enumerate(steps):
        if step.get("stepId") == step_id:
            return index
    raise KeyError(step_id)


def _replace(payload: Any, target: str, value: Any) -> Any:
    if target in ("", "/"):
        return value
    pointer = JSONPointer(target)
    parts = list(pointer.parts)
    parent: Any = JSONPointer.from_parts(parts[:-1]).resolve(payload) if parts[:-1] else payload
    key = parts[-1]
    if isinstance(parent, list):
        parent[int(key)] = value
    else:
        parent[str(key)] = value
    return payload


def _path_values(step: Mapping[str, Any], scope: Scope) -> dict[str, Any]:
    values = {}
    for parameter in step.get("parameters") or []:
        if "reference" in parameter:
            continue
        if parameter.get("in") == "path":
            try:
                values[str(parameter["name"])] = expressions.resolve_value(
                    parameter.get("value"), scope
                )
            except UnresolvedExpression:
                continue
    return values


def _body(response: httpx.Response) -> Any:
    content_type = response.headers.get("content-type", "")
    if "json" in content_type:
        try:
            return response.json()
        except ValueError:
            return response.text
    if content_type.startswith("text/"):
        return response.text
    return response.content if response.content else None


def _short_path(url: str) -> str:
    return httpx.URL(url).path
