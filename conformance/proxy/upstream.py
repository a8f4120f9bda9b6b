"""Where the proxy forwards a request, and how: the appliance's SCV API or vCenter's.

A real appliance is reached as every command reaches it (``--target``, ``--vcenter``,
``--tls-verify``, ``--proxy``, ``--header``, ``--request-timeout``), through httpcore, the
transport under httpx: the proxy sends requests as they came and needs none of httpx's
request models, which cost as much again per request (0.6 ms against 0.35 ms of CPU for a
keep-alive GET, measured with ``bench/proxy_cost.py``'s request). The embedded emulator is
called in-process through ``httpx.ASGITransport``, one app serving both APIs as
``emulate`` does.
"""

from __future__ import annotations

import ssl
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

import httpcore
import httpx
from starlette.types import ASGIApp

from conformance.client import ClientAnswer
from conformance.core.settings import Settings

#: Paths of vCenter's REST API, forwarded to vCenter.
VCENTER_PREFIXES = ("/api/session", "/api/vcenter/", "/rest/")
#: Where the proxy serves the SCV API: the path every SCV URL starts with.
API_BASE = "/api"
#: Seconds a request may take when no ``--request-timeout`` is given.
DEFAULT_TIMEOUT = 60.0
#: Larger answers are refused (no answer of the SCV API comes near it).
MAX_ANSWER_BYTES = 64 * 1024 * 1024
CONTENT_ENCODING = "content-encoding"
#: Keep-alive connections kept open to the upstream.
CONNECTIONS = 64

Headers = Sequence[tuple[str, str]]


class AnswerTooLarge(Exception):
    """The upstream's answer passed :data:`MAX_ANSWER_BYTES`."""


class Forwarder(Protocol):
    """Sends one request upstream and reads its whole answer."""

    async def send(self, method: str, url: str, headers: Headers, body: bytes) -> ClientAnswer:
        """The answer; httpcore's or httpx's transport errors, or AnswerTooLarge."""
        ...

    async def aclose(self) -> None: ...


class PooledForwarder:
    """Keep-alive connections to a real appliance (and vCenter), one pool for both."""

    def __init__(self, verify: bool | str, timeout: float, proxy: str | None = None) -> None:
        context = ssl_context(verify)
        self.timeout = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        self.pool: httpcore.AsyncConnectionPool
        if proxy:
            parts = urlsplit(proxy)
            auth = None
            if parts.username is not None:
                auth = (unquote(parts.username), unquote(parts.password or ""))
            netloc = parts.netloc.rpartition("@")[2]
            self.pool = httpcore.AsyncHTTPProxy(
                proxy_url=urlunsplit((parts.scheme, netloc, "", "", "")),
                proxy_auth=auth,
                ssl_context=context,
                max_connections=CONNECTIONS,
            )
        else:
            self.pool = httpcore.AsyncConnectionPool(
                ssl_context=context, max_connections=CONNECTIONS
            )

    async def send(self, method: str, url: str, headers: Headers, body: bytes) -> ClientAnswer:
        extensions = {"timeout": self.timeout}
        async with self.pool.stream(
            method, url, headers=list(headers), content=body, extensions=extensions
        ) as response:
            chunks = []
            size = 0
            async for chunk in response.aiter_stream():
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise AnswerTooLarge(f"an answer of more than {MAX_ANSWER_BYTES} bytes")
                chunks.append(chunk)
        answer_headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers
        }
        return ClientAnswer(response.status, answer_headers, b"".join(chunks))

    async def aclose(self) -> None:
        await self.pool.aclose()


class AppForwarder:
    """An ASGI app (the embedded emulator) called in-process."""

    def __init__(self, app: ASGIApp) -> None:
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=None)

    async def send(self, method: str, url: str, headers: Headers, body: bytes) -> ClientAnswer:
        response = await self.client.request(method, url, headers=list(headers), content=body)
        # httpx undid the content coding: the answer goes on without it
        pairs = {
            k.lower(): v for k, v in response.headers.multi_items() if k.lower() != CONTENT_ENCODING
        }
        return ClientAnswer(response.status_code, pairs, response.content)

    async def aclose(self) -> None:
        await self.client.aclose()


def decoded(answer: ClientAnswer) -> ClientAnswer:
    """``answer`` with a gzip or deflate content coding undone (and its header gone), so
    that the judgement reads the JSON; other codings pass on as they came."""
    coding = answer.headers.get(CONTENT_ENCODING, "").strip().lower()
    if coding not in ("gzip", "x-gzip", "deflate"):
        return answer
    window = 16 + zlib.MAX_WBITS if "gzip" in coding else zlib.MAX_WBITS
    inflater = zlib.decompressobj(window)
    try:
        body = inflater.decompress(answer.body, MAX_ANSWER_BYTES + 1)
    except zlib.error:
        return answer  # not what it says it is: passed on untouched, judged as it is
    if len(body) > MAX_ANSWER_BYTES:
        raise AnswerTooLarge(f"an answer of more than {MAX_ANSWER_BYTES} bytes decoded")
    headers = {k: v for k, v in answer.headers.items() if k != CONTENT_ENCODING}
    return ClientAnswer(answer.status, headers, body, answer.truncated)


def ssl_context(verify: bool | str) -> ssl.SSLContext:
    """The context of ``--tls-verify``: the system's CAs, a CA bundle, or no verification."""
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


@dataclass(frozen=True)
class Upstream:
    """The appliance (and vCenter) behind the proxy."""

    #: The appliance's SCV base URL (``https://scv.lab:8144/api``).
    scv: str
    #: vCenter's root URL, None when the proxy does not forward vCenter's API.
    vcenter: str | None
    #: What reports call it: the target URL, or ``embedded emulator``.
    name: str
    #: Opens the forwarder (in the proxy's event loop).
    open: Callable[[], Forwarder] = field(repr=False)
    #: Extra headers for every forwarded request (``--header``).
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    embedded: bool = False

    @classmethod
    def of_settings(cls, settings: Settings) -> Upstream:
        """The target of ``settings`` (``--target`` given), reached with its options."""
        if settings.target is None:
            raise ValueError("no --target: use Upstream.of_app for the embedded emulator")
        timeout = settings.request_timeout or DEFAULT_TIMEOUT
        return cls(
            scv=settings.target,
            vcenter=settings.vcenter,
            name=settings.target,
            open=lambda: PooledForwarder(settings.tls_verify, timeout, settings.proxy),
            headers=dict(settings.headers),
        )

    @classmethod
    def of_app(cls, app: ASGIApp, name: str = "embedded emulator") -> Upstream:
        """An ASGI app serving both APIs (the emulator), called in-process."""
        root = "http://emulator"
        return cls(f"{root}{API_BASE}", root, name, lambda: AppForwarder(app), embedded=True)

    @classmethod
    def of_url(cls, scv: str, vcenter: str | None = None, verify: bool | str = True) -> Upstream:
        """An appliance at ``scv`` (and vCenter at ``vcenter``), with default options."""
        return cls(
            scv.rstrip("/"),
            vcenter.rstrip("/") if vcenter else None,
            scv,
            lambda: PooledForwarder(verify, DEFAULT_TIMEOUT),
        )

    def url(self, raw_path: str, query: str) -> str | None:
        """The upstream URL of a request to the proxy, None when nothing serves it."""
        suffix = f"?{query}" if query else ""
        if raw_path.startswith(VCENTER_PREFIXES):
            return f"{self.vcenter}{raw_path}{suffix}" if self.vcenter else None
        if raw_path == API_BASE or raw_path.startswith(API_BASE + "/"):
            return f"{self.scv}{raw_path[len(API_BASE) :]}{suffix}"
        return None
