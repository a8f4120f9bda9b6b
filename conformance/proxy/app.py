"""The proxy's ASGI app: judge each request, forward it, keep and judge its answer.

A request is judged before it is forwarded, on what it is and on what the client was told
before it; its answer is then kept (ids, tokens and jobs for the requests after it) before
it goes back to the client, so that a client that sends its next request at once is judged
on everything it was told. Nothing the client sends is changed on the way, bar the
hop-by-hop headers and the ``--header`` ones; an answer loses only its transfer framing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx
from starlette.types import Message, Receive, Scope, Send

from conformance.client import ClientAnswer, ClientJudge, ClientRequest, RequestVerdict
from conformance.http.recording import ExchangeLog, make_record
from conformance.http.redaction import redact_body, redact_headers, response_text
from conformance.http.session import Exchange
from conformance.proxy.upstream import AnswerTooLarge, Forwarder, Upstream

#: Headers of one hop, never forwarded (RFC 9110, 7.6.1), and those the proxy recomputes.
HOP_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
#: Larger request bodies are refused (the appliance's own limit is lower).
MAX_BODY_BYTES = 64 * 1024 * 1024
JSON_TYPE = b"application/json"


@dataclass
class Traffic:
    """What the proxy saw of the upstream: answered requests and failed ones."""

    forwarded: int = 0
    #: The first upstream failure, described for the report (None: every request answered).
    unreachable: str | None = None
    failures: int = 0
    started: float = field(default_factory=time.time)


class ProxyApp:
    """Judges and forwards every request to ``upstream``."""

    def __init__(
        self, upstream: Upstream, judge: ClientJudge, log: ExchangeLog | None = None
    ) -> None:
        self.upstream = upstream
        self.judge = judge
        self.log = log
        self.traffic = Traffic()
        self._forwarder: Forwarder | None = None
        self._index = 0
        #: The proxy's own origin, as the client calls it (the HAR's URLs).
        self.origin = "http://127.0.0.1"
        #: Called with each request's verdict, before it is forwarded (the console).
        self.on_verdict: Callable[[RequestVerdict], None] | None = None
        #: The judge is shared with whoever reads the verdicts (another thread).
        self.lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        await self._proxy(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def aclose(self) -> None:
        if self._forwarder is not None:
            await self._forwarder.aclose()
            self._forwarder = None

    def _upstream(self) -> Forwarder:
        if self._forwarder is None:
            self._forwarder = self.upstream.open()
        return self._forwarder

    async def _proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _body(receive)
        if body is None:
            await _answer(send, 413, {"message": "request body too large for the proxy"})
            return
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        with self.lock:
            index = self._index
            self._index += 1
            request = ClientRequest(
                scope["method"], raw_path, query, {k.lower(): v for k, v in pairs}, body, index
            )
            verdict = self.judge.request(request)
        if self.on_verdict is not None and verdict.findings:
            self.on_verdict(verdict)
        url = self.upstream.url(raw_path, query)
        started = time.perf_counter()
        if url is None:
            message = (
                "vCenter's API is forwarded only with --vcenter URL"
                if verdict.vcenter
                else f"the proxy serves the SCV API below /api, not {raw_path}"
            )
            await _answer(send, 502 if verdict.vcenter else 404, {"message": message})
            return
        headers = [(k, v) for k, v in pairs if k.lower() not in HOP_HEADERS]
        headers += list(self.upstream.headers.items())
        try:
            answer = await self._upstream().send(scope["method"], url, headers, body)
        except (
            httpcore.TimeoutException,
            httpcore.NetworkError,
            httpcore.ProtocolError,
            httpcore.UnsupportedProtocol,
            httpcore.ProxyError,
            httpx.TransportError,
            AnswerTooLarge,
        ) as exc:
            reason = _reason(exc, url)
            with self.lock:
                self.traffic.failures += 1
                self.traffic.unreachable = self.traffic.unreachable or reason
            self._record(request, None, (time.perf_counter() - started) * 1000)
            await _answer(send, 502, {"message": f"scv-conformance proxy: {reason}"})
            return
        with self.lock:
            self.traffic.forwarded += 1
            self.judge.learn(verdict, answer)
        elapsed = (time.perf_counter() - started) * 1000
        out = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in answer.headers.items()
            if k not in HOP_HEADERS
        ]
        out.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": out})
        await send({"type": "http.response.body", "body": answer.body})
        # the answer is judged once the client has it: its verdict is the appliance's
        with self.lock:
            self.judge.judge_answer(verdict, answer)
        self._record(request, answer, elapsed)

    def _record(self, request: ClientRequest, answer: ClientAnswer | None, ms: float) -> None:
        if self.log is None:
            return
        secrets = self.judge.secrets.values
        body, encoding = ("", "")
        if answer is not None:
            body, encoding = response_text(answer.body, answer.content_type, secrets)
        exchange = Exchange(
            method=request.method,
            url=f"{self.origin}{request.url}",
            request_headers=redact_headers(request.headers.items()),
            request_body=redact_body(request.body, secrets) if request.body else "",
            status_code=answer.status if answer else None,
            response_headers=redact_headers(answer.headers.items()) if answer else {},
            response_body=body,
            elapsed_ms=ms,
            response_encoding=encoding,
        )
        self.log.write(make_record(exchange, kind="client", operation_id=None), match=True)


def _reason(exc: Exception, url: str) -> str:
    if isinstance(exc, AnswerTooLarge):
        return f"the appliance sent {exc}"
    where = url.split("?", 1)[0]
    kind = type(exc).__name__
    return f"the appliance did not answer {where}: {kind}: {exc}".rstrip(": ")


async def _body(receive: Receive) -> bytes | None:
    chunks = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _answer(send: Send, status: int, payload: dict[str, Any]) -> None:
    """An answer of the proxy itself (not the appliance's), in the SCV envelope's shape."""
    body = json.dumps(
        {"statusCode": status, "statusMessage": "proxy", "responseMessage": payload["message"]}
    ).encode()
    headers = [(b"content-type", JSON_TYPE), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
