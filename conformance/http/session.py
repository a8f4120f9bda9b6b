"""The HTTP session to an appliance: login, token renewal, redaction and capture."""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.core.errors import TargetUnreachable, UsageError
from conformance.http import process
from conformance.http.bounds import (
    MAX_ATTACHMENT_CHARS,
    RELOGIN_INTERVAL_SECONDS,
    REQUEST_DEADLINE_SECONDS,
    TokenRefused,
    cut,
)
from conformance.http.guard import LOGIN_PATH, UNGUARDED, RequestGuard
from conformance.http.redaction import (
    REDACTED,
    basic_auth,
    know,
    redact_body,
    redact_headers,
    response_text,
    secret_header_values,
)
from conformance.http.sending import SendPolicy, login_token, policy_client, tls_verification

__all__ = ["LOGIN_PATH", "ScvSession", "Target", "tls_verification"]

#: The documented default login timeout of the appliance.
TOKEN_LIFETIME_SECONDS = 120 * 60
#: Log in again when the token is this close to its expiry.
RENEW_MARGIN_SECONDS = 5 * 60


#: The variable a reproducing curl command reads the token from.
TOKEN_VARIABLE = "SCV_TOKEN"
#: The variable the login command reads the password from (the harness's own).
PASSWORD_VARIABLE = "SCV_PASSWORD"


def token_command(
    base_url: str, username: str, verify: bool | str = True, proxy: str | None = None
) -> str:
    """One shell line that logs in and sets ``$SCV_TOKEN`` for the reproducing curl commands:
    ``scv-conformance token`` with the target, user name, TLS verification (``verify``: as
    the run had it; False also for the embedded emulator, whose CA ends with it) and proxy
    (``proxy``: without its credentials). The password is read from ``$SCV_PASSWORD`` (or
    the configuration file) when the line runs, never written into it."""
    words = ["scv-conformance", "token", "--target", base_url, "--username", username]
    if verify is not True:
        words += ["--tls-verify", "false" if verify is False else str(verify)]
    if proxy:
        words += ["--proxy", proxy]
    return f"export {TOKEN_VARIABLE}=$({' '.join(shlex.quote(w) for w in words)})"


@dataclass(frozen=True)
class Target:
    """A resolved appliance to talk to."""

    base_url: str
    username: str
    password: str = field(repr=False)
    verify: bool | str = True
    vcenter_url: str | None = None
    embedded: bool = False
    #: Extra headers for every request (``--header``).
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    proxy: str | None = None


def appliance_client(
    target: Target,
    timeout: float | httpx.Timeout,
    policy: SendPolicy,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An httpx client to ``target`` as every request to the appliance is sent: its TLS
    verification, its extra headers (``--header``), its proxy (``--proxy``), under
    ``policy``."""
    return policy_client(
        target.base_url,
        target.verify,
        timeout,
        policy,
        transport,
        headers=target.headers,
        proxy=target.proxy,
    )


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
    #: ``base64`` when ``response_body`` is the base64 of a (redacted) binary answer.
    response_encoding: str = ""

    @classmethod
    def from_response(
        cls, response: httpx.Response, elapsed_ms: float, secrets: Iterable[str] = ()
    ) -> Exchange:
        """The redacted exchange of an httpx response; a binary body kept as base64."""
        request = response.request
        secrets = tuple(secrets)
        content_type = response.headers.get("content-type", "")
        body, encoding = response_text(
            response.content, content_type, secrets, limit=MAX_ATTACHMENT_CHARS
        )
        return cls(
            method=request.method,
            url=str(request.url),
            request_headers=redact_headers(request.headers.items()),
            request_body=cut(redact_body(request.content, secrets)),
            status_code=response.status_code,
            response_headers=redact_headers(response.headers.items()),
            response_body=body,
            elapsed_ms=elapsed_ms,
            response_encoding=encoding,
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
        if self.response_encoding:
            size = len(self.response_body) * 3 // 4
            lines += ["", f"<about {size} bytes of binary content, in the exchange log>"]
        elif self.response_body:
            lines += ["", self.response_body]
        return "\n".join(lines)


Listener = Callable[[Exchange], None]


class RecordingClient:
    """An httpx client whose every exchange reaches its listeners, secrets redacted.

    Every request goes through the client's :class:`~conformance.http.sending.SendPolicy`
    (guard, breaker, pace, one deadline for the whole answer, the size cap on every layer
    of its encoding), as its transport applies it, also to the requests an auth flow
    makes itself (a login, the resend after a 401); those earlier answers are recorded
    from the final answer's ``history``.
    """

    def __init__(
        self,
        base_url: str,
        name: str,
        policy: SendPolicy,
        *,
        verify: bool | str = True,
        timeout: float | httpx.Timeout = 30.0,
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        proxy: str | None = None,
    ) -> None:
        self.policy = policy
        self._name = name
        self._client = policy_client(
            base_url, verify, timeout, policy, transport, headers=headers, proxy=proxy, name=name
        )
        self.listeners: list[Listener] = []

    @property
    def guard(self) -> RequestGuard:
        return self.policy.guard

    @property
    def deadline(self) -> float:
        return self.policy.deadline

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values to redact from every exchange."""
        return ()

    def close(self) -> None:
        self._client.close()

    def _received(self, path: str, response: httpx.Response) -> None:
        """Learn from an answer (a new secret, say) before anyone is shown it."""

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One call; TargetUnreachable when nothing answers in time."""
        started = time.monotonic()
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise TargetUnreachable(
                f"{self._name} unreachable: {type(exc).__name__}: {exc}"
            ) from None
        elapsed_ms = (time.monotonic() - started) * 1000
        for earlier in response.history:  # answers an auth flow read before resending
            self._observed(path, earlier, earlier.elapsed.total_seconds() * 1000)
        self._observed(path, response, elapsed_ms)
        return response

    def _observed(self, path: str, response: httpx.Response, elapsed_ms: float) -> None:
        """Count one answer in the coverage and hand its exchange to the listeners."""
        request = response.request
        process.observe(request.method, str(request.url), response.status_code, request.headers)
        self._received(path, response)
        listeners = [*self.listeners, *process.LISTENERS]
        if listeners:
            exchange = Exchange.from_response(response, elapsed_ms, self.secrets)
            for listener in listeners:
                listener(exchange)


class TokenAuth(httpx.Auth):
    """The appliance's ``Token`` header as an httpx auth flow over one :class:`ScvSession`.

    A call carries the session's token (a login first when there is none or it nears its
    expiry); a 401 gets one new login and one resend; a 401 to the resend too means the
    appliance refuses the token it has just issued: :class:`TokenRefused`, and the breaker
    ends the run. The logins themselves go through the session's bounded, recorded,
    rate-limited send, so the flow overrides ``sync_auth_flow`` (it does I/O and holds a
    lock) and has no async form.
    """

    def __init__(self, session: ScvSession) -> None:
        self._session = session

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        token = self._session.token()
        request.headers["Token"] = token
        response = yield request
        if response.status_code == 401:
            token = self._session.renew_token()
            request.headers["Token"] = token
            response = yield request
            if response.status_code == 401:
                self._session.refused()
        self._session.accepted(token)


class ScvSession(RecordingClient):
    """One httpx client to the appliance that keeps a valid token.

    It logs in lazily, renews the token when it nears its expiry or when a call answers
    401 (:class:`TokenAuth`), and hands every exchange, redacted, to its listeners. It logs
    in at most once per :data:`RELOGIN_INTERVAL_SECONDS`, and a token refused before it was
    ever accepted ends the run as an infrastructure error (:class:`TokenRefused`) instead of
    a login storm.
    """

    def __init__(
        self,
        target: Target,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
        guard: RequestGuard = UNGUARDED,
        deadline: float = REQUEST_DEADLINE_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            target.base_url,
            target.base_url,
            SendPolicy(guard, deadline),
            verify=target.verify,
            timeout=min(timeout, deadline),
            transport=transport,
            headers=target.headers,
            proxy=target.proxy,
        )
        self.target = target
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_time = 0.0
        self._login_time: float | None = None
        self._accepted: set[str] = set()
        self._issued: list[str] = []
        self.logins = 0
        self.auth = TokenAuth(self)
        know(self.secrets)

    def __enter__(self) -> ScvSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def secrets(self) -> tuple[str, ...]:
        basic = basic_auth(self.target.username, self.target.password)
        headers = secret_header_values(self.target.headers)
        values = (self.target.password, basic, *self._issued, *headers)
        return tuple(s for s in values if s)

    def _received(self, path: str, response: httpx.Response) -> None:
        """A token issued by a login becomes a secret before the exchange is reported."""
        if path != LOGIN_PATH:
            return
        token = login_token(response.status_code, response.content)
        if token is not None and token not in self._issued:
            self._issued.append(token)  # the send path noted it for the parent

    def token(self) -> str:
        """A token that is valid for a while yet, logging in when needed."""
        with self._lock:
            age = self._clock() - self._token_time
            if self._token is None or age > TOKEN_LIFETIME_SECONDS - RENEW_MARGIN_SECONDS:
                self._login_locked()
            assert self._token is not None
            return self._token

    def accepted(self, token: str) -> None:
        """Note that the appliance accepted ``token`` (any answer but 401 to a call with it)."""
        with self._lock:
            self._accepted.add(token)

    def renew_token(self) -> str:
        """A new token after the current one was refused or aged.

        TokenRefused when the current token was refused before it was ever accepted.
        """
        with self._lock:
            if self._token is not None and self._token not in self._accepted:
                self._refused()
            self._token = None
            self._login_locked()
            assert self._token is not None
            return self._token

    def refused(self) -> None:
        """The appliance refused a token it had just issued: trip the breaker, end the run."""
        with self._lock:
            self._refused()

    def _refused(self) -> None:
        reason = (
            f"{self.target.base_url} refused the token it had just issued (HTTP 401 right "
            "after a good login): the appliance's authentication is broken or the account "
            "lacks rights; nothing can be judged"
        )
        self.policy.breaker.trip(reason)
        raise TokenRefused(reason)

    def login(self) -> httpx.Response:
        """Log in now and return the raw answer."""
        with self._lock:
            return self._login_locked()

    def _login_locked(self) -> httpx.Response:
        if self._login_time is not None:
            wait = self._login_time + RELOGIN_INTERVAL_SECONDS - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._login_time = self._clock()
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
        token = login_token(response.status_code, response.content)
        if token is None:
            raise TargetUnreachable(
                f"login to {self.target.base_url} answered without response.token"
            )
        self._token = token
        self._token_time = self._clock()
        self.logins += 1
        return response

    def request(
        self, method: str, path: str, *, authenticated: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """Send a call; with ``authenticated`` it carries the token and renews it on 401."""
        headers = dict(kwargs.pop("headers", None) or {})
        auth = self.auth if authenticated else None
        return self._send(method, path, headers=headers, auth=auth, **kwargs)
