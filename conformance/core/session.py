"""The HTTP session to an appliance: login, token renewal, redaction and capture."""

from __future__ import annotations

import shlex
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.core.errors import TargetUnreachable, UsageError
from conformance.core.redaction import REDACTED, redact_body, redact_headers

LOGIN_PATH = "/4.1/auth/login"
#: The documented default login timeout of the appliance.
TOKEN_LIFETIME_SECONDS = 120 * 60
#: Log in again when the token is this close to its expiry.
RENEW_MARGIN_SECONDS = 5 * 60


@dataclass(frozen=True)
class Target:
    """A resolved appliance to talk to."""

    base_url: str
    username: str
    password: str = field(repr=False)
    verify: bool | str = True
    vcenter_url: str | None = None
    embedded: bool = False


def tls_verification(verify: bool | str) -> bool | ssl.SSLContext:
    """What httpx takes for ``--tls-verify``: a flag, or a context trusting a CA bundle."""
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, with secrets already redacted."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status_code: int | None
    response_headers: dict[str, str]
    response_body: str
    elapsed_ms: float

    @classmethod
    def from_response(
        cls, response: httpx.Response, elapsed_ms: float, secrets: Iterable[str] = ()
    ) -> Exchange:
        """The redacted exchange of an httpx response; binary bodies are only sized."""
        request = response.request
        secrets = tuple(secrets)
        content_type = response.headers.get("content-type", "")
        body = (
            f"<{len(response.content)} bytes of {content_type}>"
            if "json" not in content_type and "text" not in content_type
            else redact_body(response.content, secrets)
        )
        return cls(
            method=request.method,
            url=str(request.url),
            request_headers=redact_headers(request.headers.items()),
            request_body=redact_body(request.content, secrets),
            status_code=response.status_code,
            response_headers=redact_headers(response.headers.items()),
            response_body=body,
            elapsed_ms=elapsed_ms,
        )

    def as_curl(self) -> str:
        """A curl command that replays the request, the token left as a placeholder."""
        parts = ["curl", "-k", "-X", self.method]
        for name, value in self.request_headers.items():
            if name.lower() in {
                "host",
                "content-length",
                "accept-encoding",
                "connection",
                "user-agent",
            }:
                continue
            if value == REDACTED and name.lower() == "token":
                name, value = "Token", "$SCV_TOKEN"
            parts += ["-H", f"{name}: {value}"]
        if self.request_body:
            parts += ["--data", self.request_body]
        parts.append(self.url)
        return " ".join(shlex.quote(p) if "$SCV_TOKEN" not in p else f'"{p}"' for p in parts)

    def render(self) -> str:
        """The exchange as text for a report attachment."""
        lines = [f"{self.method} {self.url}"]
        lines += [f"{k}: {v}" for k, v in self.request_headers.items()]
        if self.request_body:
            lines += ["", self.request_body]
        lines += ["", f"HTTP {self.status_code}  ({self.elapsed_ms:.0f} ms)"]
        lines += [f"{k}: {v}" for k, v in self.response_headers.items()]
        if self.response_body:
            lines += ["", self.response_body]
        return "\n".join(lines)


Listener = Callable[[Exchange], None]
#: Listeners of every client of this process, after each client's own (the exchange log).
PROCESS_LISTENERS: list[Listener] = []


class RecordingClient:
    """An httpx client whose every exchange reaches its listeners, secrets redacted."""

    def __init__(self, client: httpx.Client, name: str) -> None:
        self._client = client
        self._name = name
        self.listeners: list[Listener] = []

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values to redact from every exchange."""
        return ()

    def close(self) -> None:
        self._client.close()

    def _received(self, path: str, response: httpx.Response) -> None:
        """Learn from an answer (a new secret, say) before anyone is shown it."""

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call; TargetUnreachable when nothing answers."""
        started = time.perf_counter()
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise TargetUnreachable(
                f"{self._name} unreachable: {type(exc).__name__}: {exc}"
            ) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        self._received(path, response)
        listeners = [*self.listeners, *PROCESS_LISTENERS]
        if listeners:
            exchange = Exchange.from_response(response, elapsed_ms, self.secrets)
            for listener in listeners:
                listener(exchange)
        return response


class ScvSession(RecordingClient):
    """One httpx client to the appliance that keeps a valid token.

    It logs in lazily, renews the token when it nears its expiry or when a call answers
    401, and hands every exchange, redacted, to its listeners.
    """

    def __init__(
        self,
        target: Target,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        client = httpx.Client(
            base_url=target.base_url,
            verify=tls_verification(target.verify),
            timeout=timeout,
            transport=transport,
        )
        super().__init__(client, target.base_url)
        self.target = target
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_time = 0.0
        self.logins = 0

    def __enter__(self) -> ScvSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.target.password, self._token) if s)

    def token(self) -> str:
        """A token that is valid for a while yet, logging in when needed."""
        with self._lock:
            age = self._clock() - self._token_time
            if self._token is None or age > TOKEN_LIFETIME_SECONDS - RENEW_MARGIN_SECONDS:
                self._login_locked()
            assert self._token is not None
            return self._token

    def invalidate_token(self) -> None:
        with self._lock:
            self._token = None

    def login(self) -> httpx.Response:
        """Log in now and return the raw answer."""
        with self._lock:
            return self._login_locked()

    def _login_locked(self) -> httpx.Response:
        body = {"username": self.target.username, "password": self.target.password}
        response = self._send("POST", LOGIN_PATH, json=body, headers={})
        if response.status_code in (401, 403):
            raise UsageError(
                f"login to {self.target.base_url} refused (HTTP {response.status_code}): "
                "check the username and password"
            )
        if response.status_code != 200:
            raise TargetUnreachable(
                f"login to {self.target.base_url} failed with HTTP {response.status_code}"
            )
        try:
            self._token = str(response.json()["response"]["token"])
        except (ValueError, KeyError, TypeError):
            raise TargetUnreachable(
                f"login to {self.target.base_url} answered without response.token"
            ) from None
        self._token_time = self._clock()
        self.logins += 1
        return response

    def request(
        self, method: str, path: str, *, authenticated: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """Send a call; with ``authenticated`` it carries the token and renews it on 401."""
        headers = dict(kwargs.pop("headers", None) or {})
        if not authenticated:
            return self._send(method, path, headers=headers, **kwargs)
        headers["Token"] = self.token()
        response = self._send(method, path, headers=headers, **kwargs)
        if response.status_code == 401:
            self.invalidate_token()
            headers["Token"] = self.token()
            response = self._send(method, path, headers=headers, **kwargs)
        return response
