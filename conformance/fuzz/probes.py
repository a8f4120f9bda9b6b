"""Direct probes of documented rules that no generated case exercises reliably.

``scv_auth_required``: every operation but login refuses a missing and an invalid token
with 401. ``scv_forbidden_characters``: a URL with ``+ . % &`` in a path segment is refused
with a 4xx, except a character the contract allows in that parameter
(``x-scv-allowed-characters``: the dots of audit log file names). Each probe sends a valid
request for the operation, changed in one respect.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
from schemathesis import APIOperation, Case, GenerationMode

from conformance.contract.scv_rules import AUTH_REQUIRED
from conformance.fuzz.st_internals import generate_one
from conformance.fuzz.verdicts import Finding, Verdict
from conformance.http.session import Exchange, ScvSession

FORBIDDEN_CHARACTERS = "scv_forbidden_characters"
PROBE_CHECKS = (AUTH_REQUIRED, FORBIDDEN_CHARACTERS)
INVALID_TOKEN = "not-a-valid-token"
#: The documented characters, each as it is written into a path segment.
FORBIDDEN = {"+": "+", ".": ".", "%": "%25", "&": "&"}
_PARAMETER = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class ProbeRequest:
    """A valid request for an operation: method, path below the base URL, JSON body."""

    method: str
    path_template: str
    path_values: dict[str, str]
    body: Any
    #: Characters the contract allows in the first path parameter despite the URL rule.
    allowed: str = ""

    def path(self, suffix: str = "") -> str:
        """The path; ``suffix`` goes into the first path parameter, else the last segment."""
        names = _PARAMETER.findall(self.path_template)
        if not names:
            return self.path_template + suffix
        values = dict(self.path_values)
        values[names[0]] = values.get(names[0], "1") + suffix
        return _PARAMETER.sub(lambda m: values.get(m.group(1), "1"), self.path_template)


def sample_request(operation: APIOperation) -> ProbeRequest:
    """A valid request for ``operation``: its first example, else a generated positive case."""
    strategies = operation.get_strategies_from_examples()
    strategy = (
        strategies[0]
        if strategies
        else operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
    )
    case: Case = generate_one(strategy)
    body = case.body if case.media_type and "json" in case.media_type else None
    values = {k: str(v) for k, v in (case.path_parameters or {}).items()}
    names = _PARAMETER.findall(operation.path)
    allowed = "".join(
        str(p.definition.get("x-scv-allowed-characters", ""))
        for p in operation.path_parameters
        if names and p.name == names[0]
    )
    return ProbeRequest(case.method.upper(), operation.path, values, body, allowed)


class _Recorder:
    """Keeps the last exchange a session saw."""

    def __init__(self) -> None:
        self.last: Exchange | None = None

    def __call__(self, exchange: Exchange) -> None:
        self.last = exchange


def _send(
    session: ScvSession,
    request: ProbeRequest,
    path: str,
    *,
    authenticated: bool,
    headers: dict[str, str] | None = None,
) -> tuple[httpx.Response, Exchange | None]:
    recorder = _Recorder()
    session.listeners.append(recorder)
    try:
        kwargs: dict[str, Any] = {"headers": headers or {}}
        if request.body is not None:
            kwargs["content"] = json.dumps(request.body).encode()
            kwargs["headers"]["Content-Type"] = "application/json"
        response = session.request(request.method, path, authenticated=authenticated, **kwargs)
    finally:
        session.listeners.remove(recorder)
    return response, recorder.last


def probe_auth_required(session: ScvSession, request: ProbeRequest) -> Verdict:
    """The operation refuses a call without a token and one with an invalid token."""
    verdict = Verdict(AUTH_REQUIRED)
    attempts: list[tuple[str, dict[str, str]]] = [
        ("without a Token header", {}),
        ("with an invalid token", {"Token": INVALID_TOKEN}),
    ]
    for how, headers in attempts:
        response, exchange = _send(
            session, request, request.path(), authenticated=False, headers=headers
        )
        if response.status_code == 401:
            verdict.add_pass()
            continue
        if exchange is not None and headers:
            exchange = _shown_token(exchange)
        verdict.add_failure(
            Finding(
                f"Call {how} not refused with 401",
                f"{request.method} {request.path_template} {how} answered "
                f"{response.status_code}; every operation but login must answer 401",
                exchange,
            )
        )
    return verdict


def probe_forbidden_characters(session: ScvSession, request: ProbeRequest) -> Verdict:
    """A URL with each forbidden character in a path segment is refused with a 4xx."""
    verdict = Verdict(FORBIDDEN_CHARACTERS)
    for char, written in FORBIDDEN.items():
        if char in request.allowed:
            continue
        path = request.path(written)
        response, exchange = _send(session, request, path, authenticated=True)
        if 400 <= response.status_code < 500:
            verdict.add_pass()
            continue
        verdict.add_failure(
            Finding(
                f"URL with {char!r} not refused",
                f"{request.method} {path} answered {response.status_code}; the documentation "
                f"forbids {char!r} in a REST URL, so it must be refused with a 4xx",
                exchange,
            )
        )
    return verdict


def _shown_token(exchange: Exchange) -> Exchange:
    """The invalid token is no secret: show it so that the curl command reproduces."""
    headers = {
        k: (INVALID_TOKEN if k.lower() == "token" else v)
        for k, v in exchange.request_headers.items()
    }
    return replace(exchange, request_headers=headers)


Probe = Callable[[ScvSession, ProbeRequest], Verdict]
PROBES: dict[str, Probe] = {
    AUTH_REQUIRED: probe_auth_required,
    FORBIDDEN_CHARACTERS: probe_forbidden_characters,
}
