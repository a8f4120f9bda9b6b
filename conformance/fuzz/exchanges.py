"""Turning what schemathesis recorded into redacted exchanges (report text, curl and the
exchange log)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from schemathesis import Case, Response

from conformance.fuzz.st_internals import CaseNode, Request, ScenarioRecorder
from conformance.http import recording
from conformance.http.bounds import MAX_ATTACHMENT_CHARS, cut
from conformance.http.redaction import redact_body, redact_headers, response_text
from conformance.http.session import Exchange


def _flatten(headers: Mapping[str, list[str] | str]) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        items += [(name, str(v)) for v in values]
    return items


def exchange_of(request: Request, response: Response | None, secrets: Iterable[str]) -> Exchange:
    """The recorded request and its answer with tokens and passwords replaced."""
    secrets = tuple(secrets)
    body, encoding = ("", "")
    if response is not None:
        content_type = ",".join(response.headers.get("content-type", []))
        # redacted, then cut as an attachment keeps it (a verdict holds it)
        body, encoding = response_text(
            response.content or b"", content_type, secrets, limit=MAX_ATTACHMENT_CHARS
        )
    return Exchange(
        method=request.method,
        url=request.uri,
        request_headers=redact_headers(_flatten(request.headers)),
        request_body=cut(redact_body(request.body, secrets)) if request.body else "",
        status_code=response.status_code if response is not None else None,
        response_headers=redact_headers(_flatten(response.headers)) if response else {},
        response_body=body,
        elapsed_ms=response.elapsed * 1000 if response is not None else 0.0,
        response_encoding=encoding,
    )


def as_probed(exchange: Exchange, scenario: object, invalid_token: str) -> Exchange:
    """The request ``ignored_auth`` sent when the appliance let it through: the case as
    recorded carries the valid token, the probe that failed carried none (``no_auth``) or
    an invalid one. The reproduce command must send what the probe sent."""
    kept = {k: v for k, v in exchange.request_headers.items() if k.lower() != "token"}
    if str(scenario) != "no_auth":
        kept["Token"] = invalid_token
    return replace(exchange, request_headers=kept)


def kind_of(case: Case) -> tuple[str, str | None]:
    """The kind of input of a case (its phase: examples, coverage, fuzzing, stateful) and its
    generation mode (positive, negative)."""
    meta = case.meta
    if meta is None:
        return "generated", None
    return str(meta.phase.name.value), str(meta.generation.mode.value)


def kind_of_node(node: CaseNode) -> tuple[str, str | None]:
    """The kind of input of a recorded case: a case a check derived from another to send
    it again (``ignored_auth`` without the token or with an invalid one) is a ``probe``, as
    the harness's own probes are; whether a check sends it at all follows the answer to its
    parent (only a success is probed), so it is no generated input of that phase."""
    if node.parent_id is not None and node.transition is None:
        return recording.PROBE_KIND, None
    return kind_of(node.value)


def log_cases(recorder: ScenarioRecorder, secrets: Iterable[str]) -> None:
    """Put every case the engine sent in this scenario into the exchange log."""
    secrets = tuple(secrets)
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        if node is None:
            continue
        case = node.value
        phase, mode = kind_of_node(node)
        raw = getattr(case.operation.definition, "raw", None)
        operation_id = raw.get("operationId") if isinstance(raw, dict) else None
        response = interaction.response
        elapsed = response.elapsed if response is not None else 0.0
        recording.record(
            recording.make_record(
                exchange_of(interaction.request, response, secrets),
                kind=f"{phase}-{mode}" if mode else phase,
                mode=mode,
                operation_id=operation_id,
                started=interaction.timestamp - elapsed,
                status_text=response.message if response is not None else "",
            )
        )
