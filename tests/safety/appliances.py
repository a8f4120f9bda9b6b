"""Loopback stand-ins for appliances: a recording emulator and hostile servers.

``RecordingEmulator`` serves the emulator app behind a middleware that notes every
request (method and path) and exposes the emulator's state for inventory comparisons.
``Hostile`` is a raw asyncio HTTP server that logs in normally and then misbehaves in one
named way: it hangs, trickles bytes, sends a huge body, answers 401 to every call,
resets connections, or echoes every credential it knows in its error bodies.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import gzip
import html
import json
import shlex
import socket
import struct
import threading
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from secrets import token_hex
from typing import Any
from urllib.parse import quote, quote_plus

import uvicorn

from conformance.emulator import EmulatorConfig, jobs
from conformance.emulator.app import create_app
from conformance.emulator.server import bind

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


class RecordingEmulator:
    """The emulator over plain HTTP on loopback, every request it sees noted."""

    def __init__(
        self,
        delete_delay: float = 0.0,
        hold: Callable[[str, str], bool] | None = None,
        **options: Any,
    ) -> None:
        """``hold``: requests (method, path) it picks wait until :attr:`release` is set."""
        options.setdefault("job_duration", 0.2)
        self.delete_delay = delete_delay
        self.hold = hold
        self.release = threading.Event()
        self.held = 0
        self.config = EmulatorConfig(host="127.0.0.1", port=0, tls=False, **options)
        self.app = create_app(self.config)
        self.requests: list[tuple[str, str]] = []
        #: Every SCV login: the user name it sent (None: none) and the status it got.
        self.logins: list[tuple[str | None, int]] = []
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def appliance(self) -> Any:
        return self.app.state.appliance

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def vcenter_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _recording(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == LOGIN:
            await self._login(scope, receive, send)
            return
        await self._recorded(scope, receive, send)

    async def _login(self, scope: Scope, receive: Any, send: Any) -> None:
        """A login, noted with its user name and the status it got."""
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        status: list[int] = []

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self._recorded(scope, replay, sending)
        try:
            user = json.loads(body).get("username")
        except (ValueError, AttributeError):
            user = None
        with self._lock:
            self.logins.append((user if isinstance(user, str) else None, status[0]))

    async def _recorded(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            with self._lock:
                self.requests.append((scope["method"], scope["path"]))
            if scope["method"] == "DELETE" and self.delete_delay:
                await asyncio.sleep(self.delete_delay)
            if self.hold is not None and self.hold(scope["method"], scope["path"]):
                self.held += 1
                deadline = time.monotonic() + 120
                while not self.release.is_set() and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
        await self.app(scope, receive, send)

    def __enter__(self) -> RecordingEmulator:
        sock = bind("127.0.0.1", 0)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._recording,
            log_level="warning",
            access_log=False,
            lifespan="off",
            interface="asgi3",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the emulator did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def inventory(self) -> dict[str, Any]:
        """What workflows create, restore, mount or attach, as comparable values."""
        state = self.appliance.state
        with state.lock:
            # a real appliance's jobs end on their own; the emulator applies them when asked
            jobs.settle(state, self.appliance.clock())
            return {
                "resource groups": sorted((g.id, g.name) for g in state.groups.values()),
                "policies": sorted((p.id, p.name) for p in state.policies.values()),
                "storage systems": sorted(state.storage),
                "mounts": sorted(state.mounts),
                "vms": sorted(
                    (vm.uuid, vm.moref, vm.deleted, tuple(sorted(d.key for d in vm.disks)))
                    for vm in state.vms.values()
                ),
                "schedules": sorted((s.name, s.cron) for s in state.schedules.values()),
                "audit config": json.dumps(state.audit_config, sort_keys=True, default=str),
            }


def encodings(value: str) -> list[str]:
    """``value`` as an appliance (or anything between) may write it back: plain, escaped for
    JSON (Gson's HTML-safe \\u too), Python's repr, URL-encoded, shell-quoted, HTML, every
    character \\u-escaped, upper-case, base64, hex, and cut across a line."""
    middle = len(value) // 2
    return [
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        "".join(f"\\u{ord(c):04x}" if c in "'&<>=" else c for c in json.dumps(value)[1:-1]),
        repr(value + '"')[1:-2],
        quote(value, safe=""),
        quote_plus(value),
        shlex.quote(value),
        html.escape(value),
        "".join(f"\\u{ord(c):04x}" for c in value),
        value.upper(),
        base64.b64encode(value.encode()).decode(),
        value.encode().hex(),
        value.encode().hex().upper(),
        f"{value[:middle]}\n    {value[middle:]}",
    ]


@dataclass
class Secrets:
    """The credentials a run is given; the echo appliance answers them back in every encoding."""

    username: str
    password: str
    storage_password: str = ""

    def encodings(self, value: str) -> list[str]:
        return encodings(value)

    def echoes(self) -> list[str]:
        values = [self.password, self.storage_password]
        out = [e for v in values if v for e in self.encodings(v)]
        basic = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return [*out, basic, f"Basic {basic}"]


LOGIN = "/api/4.1/auth/login"
TOKEN_PREFIX = "issued-token-"
VCENTER_SESSION = "vcenter-session-"
#: Where an echoed token starts in an error page: a message cut at 200 characters keeps 28
#: of its 32 characters.
ECHO_AT = 172


@dataclass
class Hostile:
    """An appliance on loopback that logs in and then misbehaves as ``behaviour`` says.

    hang, trickle, huge, unauthorized, reset, echo; and the hostile answers of
    :data:`HOSTILE_ANSWERS` (``gzip-bomb``, ``long-list``, ``zeros``, ``deep``) to every
    call but the login (``answer_where="preflight"``: to the API description alone).
    """

    behaviour: str
    secrets: Secrets | None = None
    answer_where: str = "everywhere"
    huge_bytes: int = 50 * 1024 * 1024
    logins: int = 0
    requests: int = 0
    #: With ``hex_tokens``, logins issue 32 hex characters, as the appliance does.
    hex_tokens: bool = False
    tokens: list[str] = field(default_factory=list)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def vcenter_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Hostile:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            server.close()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                self.requests += 1
                if not await self._answer(request, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def _answer(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False to drop the connection."""
        if self.behaviour == "reset":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        described = request.path.endswith("/v3/api-docs")
        login = request.method == "POST" and request.path == LOGIN
        hostile = described == (self.answer_where == "preflight")
        if self.behaviour in HOSTILE_ANSWERS and hostile and not login:
            body, encoding = hostile_answer(self.behaviour)
            extra = f"Content-Encoding: {encoding}\r\n" if encoding else ""
            writer.write(
                f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{extra}"
                f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            return True
        if described:
            await _send(writer, 404, {"statusCode": 404, "responseMessage": "no such document"})
            return True
        if request.method == "POST" and request.path == LOGIN:
            self.logins += 1
            token = f"{TOKEN_PREFIX}{self.logins}-Zq8xVw"
            if self.hex_tokens:
                token = token_hex(16)
            self.tokens.append(token)
            await _send(writer, 200, {"statusCode": 200, "response": {"token": token}})
            return True
        if request.method == "POST" and request.path == "/api/session":
            await _send(writer, 201, f"{VCENTER_SESSION}{self.logins}-Hk2pLm")
            return True
        if self.behaviour == "hang":
            await asyncio.sleep(3600)
            return False
        if self.behaviour == "trickle":
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Content-Length: 100000\r\n\r\n"
            )
            writer.write(head.encode())
            for _ in range(100000):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.2)
            return False
        if self.behaviour == "huge":
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {self.huge_bytes}\r\n\r\n"
            )
            writer.write(head.encode())
            chunk = b" " * (1024 * 1024)
            for _ in range(self.huge_bytes // len(chunk)):
                writer.write(chunk)
                await writer.drain()
            return True
        if self.behaviour in HOSTILE_ANSWERS:  # the preflight's description alone is hostile
            await _send(writer, 404, {"statusCode": 404, "responseMessage": "not here"})
            return True
        if self.behaviour == "unauthorized":
            await _send(writer, 401, {"statusCode": 401, "responseMessage": "Unauthorized"})
            return True
        if self.behaviour == "echo":
            assert self.secrets is not None
            token = request.header("token")
            echoes = [*self.secrets.echoes(), *(encodings(token) if token else [])]
            echoed = " | ".join([request.text, *echoes])
            kind = self.requests % 3
            if kind == 1 and token:
                # an error page quoting the token where a message is cut (200 characters)
                head = "<html><body><h1>500 Internal Server Error</h1><p>session "
                page = f"{head:x<{ECHO_AT}}{token} expired: {echoed}</p></body></html>"
                await _send(writer, 500, page, "text/html")
            elif kind == 2 and token:
                # JSON, but not the envelope: the rules quote json.dumps(body)[:200]
                await _send(writer, 400, {"detail": f"{'x' * (ECHO_AT - 12)}{token} {echoed}"})
            else:
                message = f"bad request: {echoed}"
                await _send(
                    writer, 400, {"statusCode": 400, "responseMessage": message, "uri": None}
                )
            return True
        raise AssertionError(f"unknown behaviour {self.behaviour}")


#: Answers that are small on the wire or under the size cap and large once decoded or
#: parsed: (body, Content-Encoding) by name.
HOSTILE_ANSWERS = ("gzip-bomb", "long-list", "zeros", "deep")


@functools.cache
def hostile_answer(name: str) -> tuple[bytes, str | None]:
    """The body of one of :data:`HOSTILE_ANSWERS` and its Content-Encoding."""
    if name == "gzip-bomb":  # 1 GiB of spaces in a few kilobytes
        return gzip_bomb(1 << 30), "gzip, gzip"
    if name == "long-list":  # 7.8 MiB, 110,000 objects (440,000 values)
        items = [{"id": i, "name": f"item-{i:06d}", "note": "x" * 24} for i in range(110_000)]
        return json.dumps(items).encode(), None
    if name == "zeros":  # just under 8 MiB of `0,`
        count = (8 * 1024 * 1024 - 2) // 2
        return b"[" + b"0," * (count - 1) + b"0]", None
    if name == "deep":  # nested 100,000 levels
        return b"[" * 100_000 + b"]" * 100_000, None
    raise AssertionError(f"unknown answer {name}")


def gzip_bomb(size: int) -> bytes:
    """``size`` spaces, gzipped twice, built without holding them."""
    mib = 1024 * 1024
    chunk = b" " * mib
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)  # the same for every MiB
    crc = 0
    for _ in range(size // mib):
        crc = zlib.crc32(chunk, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    inner = header + block * (size // mib) + packer.flush() + trailer
    return gzip.compress(inner, 9)


@dataclass
class Request:
    method: str
    path: str
    text: str

    def header(self, name: str) -> str:
        """The value of header ``name`` (any case), empty when it was not sent."""
        head = self.text.split("\r\n\r\n", 1)[0]
        for line in head.split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name:
                return value.strip()
        return ""


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    text = head.decode("latin-1") + body.decode("utf-8", "replace")
    return Request(method, target.split("?", 1)[0], text)


async def _send(
    writer: asyncio.StreamWriter, status: int, body: Any, content_type: str = "application/json"
) -> None:
    data = body.encode() if content_type != "application/json" else json.dumps(body).encode()
    reason = {
        200: "OK",
        201: "Created",
        400: "Bad Request",
        401: "Unauthorized",
        500: "Internal Server Error",
    }.get(status, "Not Found")
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(data)}\r\n\r\n".encode()
        + data
    )
    await writer.drain()
