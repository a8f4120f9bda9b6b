"""The one send path: what every request to the target goes through, whichever client sends it.

In order, for each request (an auth flow's login and its resend after a 401 included)::

    guard  ->  breaker  ->  pace  ->  sent  ->  answer read within one deadline,
    decoded layer by layer within the size cap, a large one within a share of the
    process's budget for large answers  ->  breaker told  ->  login token noted

:class:`SendPolicy` holds the sequence and the bounds; two adapters apply the one policy:
:class:`PolicyTransport`, an httpx transport that wraps the one that sends, for every httpx
client of the harness (the preflight's, the sessions', vCenter's, drift's), and
:class:`conformance.fuzz.transport.BoundedAdapter` for the requests sessions schemathesis
makes. An httpx client's answers parse within :mod:`~conformance.contract.json_budget`'s
budget (:meth:`BoundedResponse.json`).

HTTP clients time out per chunk, so an appliance that trickles a byte a second never
times out: the deadline here counts from the request's leaving to the answer's last byte.
"""

from __future__ import annotations

import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.contract import json_budget
from conformance.http import issued, process
from conformance.http.bounds import (
    MAX_ANSWER_BYTES,
    REQUEST_DEADLINE_SECONDS,
    AnswerTooSlow,
    Breaker,
    bounded_chunks,
)
from conformance.http.decoding import Undecodable, decoded, encodings
from conformance.http.guard import LOGIN_PATH, UNGUARDED, RequestGuard, is_session_call
from conformance.http.large_answers import LargeAnswers, Reading
from conformance.http.pacing import Pacer

#: Headers of an answer that no longer describe its body once it is decoded.
_BODY_HEADERS = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})


@dataclass(frozen=True)
class SendPolicy:
    """The guard, the breaker, the pace, the deadline and the size cap of one client."""

    guard: RequestGuard = field(default_factory=lambda: UNGUARDED)
    #: Seconds from a request's leaving to its answer's last byte.
    deadline: float = REQUEST_DEADLINE_SECONDS
    #: Bytes an answer may have, on the wire and after each layer of its encoding.
    limit: int = MAX_ANSWER_BYTES
    breaker: Breaker = field(default_factory=lambda: process.BREAKER)
    pacer: Pacer = field(default_factory=lambda: process.PACER)
    large: LargeAnswers = field(default_factory=lambda: process.LARGE_ANSWERS)
    clock: Callable[[], float] = time.monotonic

    def leave(self, method: str, url: str) -> float:
        """Ask the guard and the breaker, keep the pace: the time the deadline counts from.

        ReadOnlyViolation or TargetGone instead of letting the request out.
        """
        self.guard.check(method, url)
        self.breaker.check()
        self.pacer.wait()
        return self.clock()

    def failed(self, detail: str) -> None:
        """Nothing (or not all) came back: one more connection failure in a row."""
        self.breaker.failure(detail)

    def body(
        self,
        raw: Iterable[bytes],
        content_encoding: str | None,
        *,
        started: float,
        what: str,
        reading: Reading,
    ) -> Iterator[bytes]:
        """The decoded body of an answer as it arrives, within the deadline and the cap.

        A large answer waits for a share of the process's budget (``reading``, of
        :meth:`LargeAnswers.reading`; the caller binds it to the whole body with
        :meth:`Reading.body`); the deadline stands still while it waits. AnswerTooSlow (a
        connection failure for the breaker) past the deadline, AnswerTooLarge beyond the
        cap on the wire or after any layer of the encoding; the share goes back then.
        """
        waited = 0.0

        def clock() -> float:
            return self.clock() - waited

        arriving = bounded_chunks(
            raw,
            started=started,
            deadline=self.deadline,
            limit=self.limit,
            what=what,
            clock=clock,
        )
        layers = encodings(content_encoding)
        try:
            for piece in decoded(arriving, layers, limit=self.limit, what=what):
                waited += reading.grew(len(piece))
                yield piece
        except AnswerTooSlow as exc:
            reading.stopped()
            self.failed(str(exc))
            raise
        except BaseException:
            reading.stopped()
            raise

    def answered(self, method: str, url: str, status: int, body: bytes | None) -> None:
        """The whole answer came: the breaker starts counting again (a login that answers
        says little: the calls after it may still all hang); a token a login was issued
        is noted as a secret for the parent's scrub."""
        if not is_session_call(method, url):
            self.breaker.success()
        elif body is not None and is_login(method, url):
            token = login_token(status, body)
            if token is not None:
                issued.note(token)


def is_login(method: str, url: str) -> bool:
    """True for SCV's login call."""
    return method.upper() == "POST" and httpx.URL(url).path.rstrip("/").endswith(LOGIN_PATH)


def login_token(status: int, body: bytes | str) -> str | None:
    """The token a login answer carries: ``response.token`` of a 200, else None."""
    if status != 200:
        return None
    try:
        payload = json_budget.loads(body)
    except ValueError:
        return None
    answer = payload.get("response") if isinstance(payload, dict) else None
    token = answer.get("token") if isinstance(answer, dict) else None
    return token if isinstance(token, str) and token else None


class BoundedResponse(httpx.Response):
    """An httpx response whose body is read under the policy and whose JSON parses within
    the harness's budget."""

    reading: Reading | None = None

    def read(self) -> bytes:
        """The decoded body (a large one holding its share as long as it lives); once read,
        Content-Length gives its size (as a workflow's ``$response.header.Content-Length``
        reads it)."""
        content = super().read()
        if self.reading is not None:
            content = self._content = self.reading.body(content)
            self.reading = None
        self.headers["Content-Length"] = str(len(content))
        return content

    def json(self, **kwargs: Any) -> Any:
        """The body as JSON; OverBudget (a ValueError) when it holds too much to judge."""
        return json_budget.loads(self.content)

    def close(self) -> None:
        """Close, and let go of the stream: httpx's client binds it to the response (it
        refers back, to set ``elapsed``), a cycle that only the cyclic collector breaks,
        so that dozens of answers nobody held any more (each up to the size cap) stayed
        in memory between its runs. A closed stream is never read again."""
        super().close()
        self.stream = httpx.ByteStream(b"")


class PolicyTransport(httpx.BaseTransport):
    """An httpx transport that sends through ``inner`` under one :class:`SendPolicy`."""

    def __init__(self, policy: SendPolicy, inner: httpx.BaseTransport, name: str) -> None:
        self.policy = policy
        self._inner = inner
        self._name = name

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        method, url = request.method, str(request.url)
        started = self.policy.leave(method, url)
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as exc:
            self.policy.failed(f"{type(exc).__name__}: {exc}")
            raise
        reading = self.policy.large.reading()
        stream = _PolicyStream(
            self.policy,
            request,
            response,
            started,
            f"the answer of {self._name} to {method} {request.url.path}",
            reading,
        )
        bounded = BoundedResponse(
            response.status_code,
            headers=[(k, v) for k, v in response.headers.raw if k.lower() not in _BODY_HEADERS],
            stream=stream,
            extensions=response.extensions,
            request=request,
        )
        bounded.reading = reading
        return bounded

    def close(self) -> None:
        self._inner.close()


class _PolicyStream(httpx.SyncByteStream):
    """An answer's body, decoded, read under the policy's bounds."""

    def __init__(
        self,
        policy: SendPolicy,
        request: httpx.Request,
        response: httpx.Response,
        started: float,
        what: str,
        reading: Reading,
    ) -> None:
        self._policy = policy
        self._reading = reading
        self._request = request
        self._raw: Any = response.stream  # a sync stream: the client is sync
        self._status = response.status_code
        self._encoding = response.headers.get("content-encoding")
        self._started = started
        self._what = what

    def __iter__(self) -> Iterator[bytes]:
        method, url = self._request.method, str(self._request.url)
        kept: list[bytes] | None = [] if is_login(method, url) else None
        pieces = self._policy.body(
            self._raw, self._encoding, started=self._started, what=self._what, reading=self._reading
        )
        try:
            for piece in pieces:
                if kept is not None:
                    kept.append(piece)
                yield piece
        except httpx.TransportError as exc:
            self._policy.failed(f"{type(exc).__name__}: {exc}")
            raise
        except Undecodable as exc:
            raise httpx.DecodingError(f"{self._what}: {exc}", request=self._request) from None
        self._policy.answered(method, url, self._status, None if kept is None else b"".join(kept))

    def close(self) -> None:
        if isinstance(self._raw, httpx.SyncByteStream):
            self._raw.close()


def tls_verification(verify: bool | str) -> bool | ssl.SSLContext:
    """What httpx takes for ``--tls-verify``: a flag, or a context trusting a CA bundle."""
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify


def policy_client(
    base_url: str,
    verify: bool | str,
    timeout: float | httpx.Timeout,
    policy: SendPolicy,
    transport: httpx.BaseTransport | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    proxy: str | None = None,
    name: str | None = None,
) -> httpx.Client:
    """An httpx client whose every request goes through ``policy``: the one kind of client
    the harness opens to the appliance, to vCenter and to an API description.

    ``transport`` sends (a test's); by default httpx's own, through ``proxy`` or the
    environment's ``HTTPS_PROXY``/``HTTP_PROXY`` (``NO_PROXY`` honoured), as httpx would.
    """
    inner = transport if transport is not None else _Routes(tls_verification(verify), proxy)
    return httpx.Client(
        base_url=base_url,
        timeout=timeout,
        headers=dict(headers or {}),
        transport=PolicyTransport(policy, inner, name or base_url),
        trust_env=False,  # the environment's proxies are _Routes', inside the policy
    )


class _Routes(httpx.BaseTransport):
    """httpx's transport, direct or through the proxy a request's URL takes."""

    def __init__(self, verify: bool | ssl.SSLContext, proxy: str | None) -> None:
        self._verify = verify
        self._proxy = proxy
        self._lock = threading.Lock()
        self._transports: dict[str | None, httpx.HTTPTransport] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        proxy = self._proxy or environment_proxy(request.url)
        with self._lock:
            transport = self._transports.get(proxy)
            if transport is None:
                transport = httpx.HTTPTransport(verify=self._verify, proxy=proxy)
                self._transports[proxy] = transport
        return transport.handle_request(request)

    def close(self) -> None:
        with self._lock:
            for transport in self._transports.values():
                transport.close()
            self._transports.clear()


def environment_proxy(url: httpx.URL) -> str | None:
    """The proxy the environment names for ``url`` (None: none, or NO_PROXY exempts it)."""
    proxies = urllib.request.getproxies()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(f"{url.host}:{url.port}" if url.port else url.host):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"
