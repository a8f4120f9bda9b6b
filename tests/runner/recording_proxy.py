"""A forwarding HTTP proxy on loopback that records what passes through it (for tests of
``--proxy``, ``--header`` and ``--rate-limit``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "proxy-connection", "keep-alive", "transfer-encoding", "host"}


@dataclass
class Seen:
    """What the proxy forwarded: (monotonic time, method, URL, headers) per request."""

    requests: list[tuple[float, str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def recording_proxy() -> Iterator[tuple[str, Seen]]:
    """A proxy for plain-HTTP targets; yields its URL and what it saw.

    It relays bytes as they are (fuzzed requests carry header values a client library
    would refuse to send), one connection to the target per request.
    """
    seen = Seen()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            with seen.lock:
                seen.requests.append((time.monotonic(), self.command, self.path, headers))
            target = url.path + (f"?{url.query}" if url.query else "")
            lines = [f"{self.command} {target} HTTP/1.1", f"Host: {url.netloc}"]
            lines += [f"{k}: {v}" for k, v in headers.items()] + ["Connection: close", "", ""]
            request = "\r\n".join(lines).encode("latin-1", "replace") + body
            with socket.create_connection((url.hostname, url.port or 80), timeout=30) as conn:
                conn.sendall(request)
                while chunk := conn.recv(65536):
                    self.wfile.write(chunk)
            self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
