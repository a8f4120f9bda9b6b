"""`scv-conformance token`: log in as a run does and print the session token, for the
reproducing curl commands and plain ``st run`` (``export SCV_TOKEN=$(scv-conformance token
...)``).

The token is a secret: it goes to standard output and nowhere else (no report, no log, no
message), and not to a terminal unless asked for (``--show``), so that it does not stay in
a scrollback or a shared screen by accident.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

import httpx

from conformance.core.errors import ExitCode, UsageError
from conformance.core.settings import Settings
from conformance.http.bounds import Breaker
from conformance.http.sending import SendPolicy
from conformance.http.session import appliance_client
from conformance.run.preflight import log_in, transport_failure
from conformance.run.target import appliance_target

#: Seconds the login may take to connect (the whole answer: ``--request-timeout``).
CONNECT_SECONDS = 10.0


def print_token(settings: Settings, show: bool = False, out: TextIO | None = None) -> int:
    """Log in to the target of ``settings`` and write the token, one line, to ``out``."""
    out = out or sys.stdout
    if settings.target is None:
        raise UsageError(
            "token: give --target URL (or a target in the config file, or SCV_TARGET): "
            "a token of the embedded emulator ends with it"
        )
    if not settings.username or not settings.password:
        raise UsageError(
            "token: the target needs credentials: --username/--password, "
            "SCV_USERNAME/SCV_PASSWORD or the config file"
        )
    if not show and out.isatty():
        raise UsageError(
            "token: standard output is a terminal and the token is a secret; capture it "
            "(export SCV_TOKEN=$(scv-conformance token ...)) or give --show"
        )
    target = appliance_target(settings)
    timeout = httpx.Timeout(settings.request_timeout, connect=CONNECT_SECONDS)
    policy = SendPolicy(deadline=settings.request_timeout, breaker=Breaker())
    with appliance_client(target, timeout, policy) as client:

        def send(method: str, path: str, **kwargs: Any) -> httpx.Response:
            try:
                return client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                raise transport_failure(exc, target.base_url, "", target.proxy) from None

        token = log_in(send, target)
    out.write(token + "\n")
    out.flush()
    return int(ExitCode.CONFORMANT)
