"""The HTTP session to an appliance: login, token renewal, redaction and capture."""

from __future__ import annotations

import shlex
import ssl
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.core import coverage
from conformance.core.errors import TargetUnreachable, UsageError
from conformance.http import issued
from conformance.http.bounds import (
    BREAKER,
    RELOGIN_INTERVAL_SECONDS,
    REQUEST_DEADLINE_SECONDS,
    AnswerTooSlow,
    TokenRefused,
    bounded_chunks,
    cut,
    read_bounded,
)
from conformance.http.guard import UNGUARDED, RequestGuard, is_session_call
from conformance.http.pacing import PACER
from conformance.http.redaction import (
    REDACTED,
    basic_auth,
    know,
    redact_body,
    redact_headers,
    response_text,
    secret_header_values,
)

LOGIN_PATH = "/4.1/auth/login"
#: The documented default login timeout of the appliance.
TOKEN_LIFETIME_SECONDS = 120 * 60
#: Log in again when the token is this close to its expiry.
RENEW_MARGIN_SECONDS = 5 * 60


#: The variable a reproducing curl command reads the token from.
TOKEN_VARIABLE = "SCV_TOKEN"
#: The variable the login command reads the password from (the harness's own).
PASSWORD_VARIABLE = "SCV_PASSWORD"


def token_command(base_url: str, username: str) -> str:
    """One shell line that logs in and sets ``$SCV_TOKEN`` for the reproducing curl commands.

    The password is read from ``$SCV_PASSWORD`` when the line runs, never written into it;
    Python builds the JSON body so that any password is escaped right.
    """
    body = (
        "import json, os, sys; print(json.dumps("
        f'{{"username": sys.argv[1], "password": os.environ["{PASSWORD_VARIABLE}"]}}))'
    )
    read = 'import json, sys; print(json.load(sys.stdin)["response"]["token"])'
    login = shlex.quote(base_url.rstrip("/") + LOGIN_PATH)
    return (
        f"export {TOKEN_VARIABLE}=$(python3 -c {shlex.quote(body)} {shlex.quote(username)} "
        f"| curl -sk -X POST -H 'Content-Type: application/json' --data-binary @- {login} "
        f"| python3 -c {shlex.quote(read)})"
    )


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


def tls_verification(verify: bool | str) -> bool | ssl.SSLContext:
    """What httpx takes for ``--tls-verify``: a flag, or a context trusting a CA bundle."""
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify


def appliance_client(
    target: Target,
    timeout: float | httpx.Timeout,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An httpx client to ``target`` as every request to the appliance is sent: its TLS
    verification, its extra headers (``--header``), its proxy (``--proxy``), and the
    process's pace."""
    return paced_client(
        target.base_url,
        target.verify,
        timeout,
        transport,
        headers=dict(target.headers),
        proxy=target.proxy,
    )


def paced_client(
    base_url: str,
    verify: bool | str,
    timeout: float | httpx.Timeout,
    transport: httpx.BaseTransport | None = None,
    **options: Any,
) -> httpx.Client:
    """An httpx client whose every request keeps the process's pace (``--rate-limit``) as
    it leaves: the one kind of client the harness opens to the appliance and to vCenter."""
    return httpx.Client(
        base_url=base_url,
        verify=tls_verification(verify),
        timeout=timeout,
        transport=transport,
        event_hooks={"request": [paced]},
        **options,
    )


def paced(request: httpx.Request) -> None:
    """A request hook: the request keeps the process's pace as it leaves.

    Here, and not before a call, because one call may send several requests (the login an
    auth flow makes first, the resend after a 401), each of which takes its own slot.
    """
    PACER.wait()


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
        body, encoding = response_text(response.content, content_type, secrets)
        return cls(
            method=request.method,
            url=str(request.url),
            request_headers=redact_headers(request.headers.items()),
            request_body=cut(redact_body(request.content, secrets)),
            status_code=response.status_code,
            response_headers=redact_headers(response.headers.items()),
            response_body=body if encoding else cut(body),
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
#: Listeners of every client of this process, after each client's own (the exchange log).
PROCESS_LISTENERS: list[Listener] = []


class RecordingClient:
    """An httpx client whose every exchange reaches its listeners, secrets redacted.

    Every call is asked of the ``guard`` first (a read-only run sends only GETs and
    logins) and read against one ``deadline`` for the whole answer, up to a size cap.

    Recording is not an httpx ``event_hooks`` response hook: such a hook sees the answer
    before its body is read and must call ``response.read()``, which reads the whole
    decoded body under httpx's per-chunk timeout only (neither the deadline nor the 8 MiB
    cap would hold against a trickling or a compressed-bomb answer), and it cannot hand
    back the settled response that :meth:`_send` reads within the bounds. A hook is used
    where it fits: every answer's raw stream, also one an auth flow reads and retries
    (a 401 before a new login), is bounded by the same deadline and cap
    (:class:`_BoundedStream`); those earlier answers are recorded from the final
    answer's ``history``.
    """

    def __init__(
        self,
        client: httpx.Client,
        name: str,
        guard: RequestGuard = UNGUARDED,
        deadline: float = REQUEST_DEADLINE_SECONDS,
    ) -> None:
        self._client = client
        self._name = name
        self.guard = guard
        self.deadline = deadline
        self.listeners: list[Listener] = []
        hooks = client.event_hooks
        client.event_hooks = {**hooks, "response": [*hooks["response"], self._bound]}

    def _bound(self, response: httpx.Response) -> None:
        """A response hook: the raw body of every answer is read within the bounds."""
        request = response.request
        what = f"the answer of {self._name} to {request.method} {request.url.path}"
        response.stream = _BoundedStream(response.stream, self.deadline, what)

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
        self.guard.check(method, path)
        BREAKER.check()
        started = time.monotonic()
        try:
            with self._client.stream(method, path, **kwargs) as streamed:
                body = read_bounded(
                    streamed.iter_bytes(),
                    started=started,
                    deadline=self.deadline,
                    what=f"the answer of {self._name} to {method} {path}",
                )
                response = settled(streamed, body)
        except httpx.TransportError as exc:
            detail = f"{type(exc).__name__}: {exc}"
            BREAKER.failure(detail)
            raise TargetUnreachable(f"{self._name} unreachable: {detail}") from None
        except AnswerTooSlow as exc:
            BREAKER.failure(str(exc))
            raise
        if not is_session_call(method, path):
            # a login that answers says little: the calls after it may still all hang
            BREAKER.success()
        elapsed_ms = (time.monotonic() - started) * 1000
        for earlier in streamed.history:  # answers an auth flow read before resending
            self._observed(path, earlier, earlier.elapsed.total_seconds() * 1000)
        self._observed(path, response, elapsed_ms)
        return response

    def _observed(self, path: str, response: httpx.Response, elapsed_ms: float) -> None:
        """Count one answer in the coverage and hand its exchange to the listeners."""
        request = response.request
        coverage.observe(request.method, str(request.url), response.status_code, request.headers)
        self._received(path, response)
        listeners = [*self.listeners, *PROCESS_LISTENERS]
        if listeners:
            exchange = Exchange.from_response(response, elapsed_ms, self.secrets)
            for listener in listeners:
                listener(exchange)


class _BoundedStream(httpx.SyncByteStream):
    """A response's raw byte stream, read against one deadline and the size cap."""

    def __init__(self, stream: Any, deadline: float, what: str) -> None:
        self._stream = stream
        self._deadline = deadline
        self._what = what
        self._started = time.monotonic()

    def __iter__(self) -> Iterator[bytes]:
        yield from bounded_chunks(
            self._stream, started=self._started, deadline=self._deadline, what=self._what
        )

    def close(self) -> None:
        self._stream.close()


#: Headers of a streamed answer that no longer describe its body once it is read and decoded.
_BODY_HEADERS = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})


def settled(streamed: httpx.Response, body: bytes) -> httpx.Response:
    """A complete response holding ``body``, the decoded bytes of ``streamed``."""
    headers = [(k, v) for k, v in streamed.headers.raw if k.lower() not in _BODY_HEADERS]
    return httpx.Response(
        streamed.status_code,
        headers=headers,
        content=body,
        request=streamed.request,
        extensions=streamed.extensions,
    )


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
            BREAKER.check()
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
        client = appliance_client(target, min(timeout, deadline), transport)
        super().__init__(client, target.base_url, guard, deadline)
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
        if path != LOGIN_PATH or response.status_code != 200:
            return
        try:
            token = response.json()["response"]["token"]
        except (ValueError, KeyError, TypeError):
            return
        if isinstance(token, str) and token not in self._issued:
            self._issued.append(token)
            issued.note(token)

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
        BREAKER.trip(reason)
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
        auth = self.auth if authenticated else None
        return self._send(method, path, headers=headers, auth=auth, **kwargs)
