"""Running the schemathesis engine and collecting per-check verdicts from its events."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from schemathesis import BaseSchema, Case, Response

from conformance.contract.grading import GRADED, Answered, Grader, Sent
from conformance.core import coverage
from conformance.fuzz.checks import (
    MAX_RESPONSE_TIME,
    RESPONSE_TIME,
    operation_id,
    response_time_message,
)
from conformance.fuzz.exchanges import as_probed, exchange_of, log_cases
from conformance.fuzz.probes import INVALID_TOKEN
from conformance.fuzz.st_internals import (
    NOT_SET,
    ResponseTimeExceeded,
    ScenarioRecorder,
    Status,
    events,
    from_schema,
)
from conformance.fuzz.verdicts import Finding, FuzzResult
from conformance.http import recording

SecretsSource = Callable[[], Iterable[str]]


def run_engine(
    schema: BaseSchema, secrets: SecretsSource, grader: Grader | None = None
) -> FuzzResult:
    """Run every enabled phase over ``schema`` and judge each check by its results;
    ``grader`` tells the violations of assumptions (deviations) from failures.

    schemathesis turns a KeyboardInterrupt into an event and winds down; it is raised
    again here so that pytest stops too.
    """
    result = FuzzResult()
    started = time.perf_counter()
    interrupted = False
    for event in from_schema(schema).execute():
        if isinstance(event, events.Interrupted):
            interrupted = True
        elif isinstance(event, events.ScenarioFinished):
            _collect(event.recorder, result, secrets, grader)
        elif isinstance(event, events.NonFatalError):
            result.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            result.errors.append(f"{type(event.exception).__name__}: {event.exception}")
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                result.verdict(_check_of(failure)).add_failure(
                    Finding(failure.title, _message(failure), None)
                )
    result.elapsed = time.perf_counter() - started
    if interrupted:
        raise KeyboardInterrupt("fuzzing interrupted")
    return result


def _check_of(failure: object) -> str:
    checks = getattr(failure, "checks", ()) or ("stateful",)
    return reported_name(str(checks[0]))


def reported_name(check: str) -> str:
    """The report's name of schemathesis' check ``check``."""
    return RESPONSE_TIME if check == MAX_RESPONSE_TIME else check


def _message(failure: Any, operation: str | None = None) -> str:
    if isinstance(failure, ResponseTimeExceeded):
        return response_time_message(failure, operation or str(failure.operation))
    return str(failure.message)


def _collect(
    recorder: ScenarioRecorder, result: FuzzResult, secrets: SecretsSource, grader: Grader | None
) -> None:
    result.cases += len(recorder.cases)
    for sent in recorder.interactions.values():
        status = sent.response.status_code if sent.response is not None else None
        coverage.observe(sent.request.method, sent.request.uri, status, sent.request.headers)
    if recording.active():
        log_cases(recorder, secrets())
    for case_id, nodes in recorder.checks.items():
        answered = recorder.interactions.get(case_id)
        span = None
        if answered is not None:
            elapsed = answered.response.elapsed if answered.response is not None else 0.0
            span = (answered.timestamp - elapsed, answered.timestamp)
        for node in nodes:
            name = reported_name(node.name)
            verdict = result.verdict(name)
            if span is not None:
                verdict.saw(*span)
            if node.status == Status.SUCCESS:
                verdict.add_pass()
            elif node.status == Status.SKIP:
                verdict.not_applicable += 1
            elif node.status == Status.FAILURE and node.failure_info is not None:
                failure = node.failure_info.failure
                interaction = recorder.interactions.get(case_id)
                exchange = (
                    exchange_of(interaction.request, interaction.response, secrets())
                    if interaction is not None
                    else None
                )
                deviation = (
                    grader is not None
                    and name in GRADED
                    and interaction is not None
                    and interaction.response is not None
                    and case_id in recorder.cases
                    and grader.is_deviation(
                        name,
                        sent_by(recorder.cases[case_id].value),
                        answer_of(interaction.response),
                    )
                )
                case = recorder.cases.get(case_id)
                message = _message(failure, (operation_id(case.value) if case else None))
                if name == "ignored_auth" and exchange is not None:
                    exchange = as_probed(exchange, getattr(failure, "scenario", ""), INVALID_TOKEN)
                verdict.add_failure(Finding(failure.title, message, exchange, deviation))
            else:
                verdict.add_error(f"check {name} could not judge case {case_id}")


def sent_by(case: Case) -> Sent:
    """What ``case`` sent, for grading."""
    parameters: dict[str, Any] = {
        "path": dict(case.path_parameters or {}),
        "query": dict(case.query or {}),
        "header": dict(case.headers or {}),
    }
    return Sent(
        path=case.operation.path,
        method=case.method.lower(),
        body=None if case.body is NOT_SET else case.body,
        has_body=case.body is not NOT_SET,
        parameters=parameters,
    )


def answer_of(response: Response) -> Answered:
    """What came back, for grading."""
    values = response.headers.get("content-type") or [""]
    content_type = values[0] if isinstance(values, list) else str(values)
    return Answered(response.status_code, content_type, response.text_lossy())
