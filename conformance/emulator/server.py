"""Serving the emulator with uvicorn: on a bound socket, in the foreground or a thread."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from types import TracebackType

import uvicorn

from conformance.emulator.app import create_app
from conformance.emulator.clock import Clock
from conformance.emulator.config import EmulatorConfig
from conformance.emulator.tls import CertificateFiles, ensure_certificate

READY_TIMEOUT = 10.0


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; OSError (e.g. address in use) propagates."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # accepted connections inherit this: no Nagle delay between headers and body
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def make_server(
    config: EmulatorConfig,
    certificate: CertificateFiles | None,
    clock: Clock | None = None,
    *,
    configure_logging: bool = True,
) -> uvicorn.Server:
    """A uvicorn server for the emulator app (TLS when ``certificate`` is given).

    ``configure_logging=False`` leaves the process's logging alone: uvicorn would otherwise
    replace the handlers of its loggers (and so undo where a run sends the server's log).
    """
    options: dict[str, object] = {
        "log_level": "warning",
        "access_log": False,
        "lifespan": "off",
        "timeout_keep_alive": 30,
        # clients that keep connections open must not hold a stop up for long
        "timeout_graceful_shutdown": 1,
    }
    if certificate is not None:
        options["ssl_certfile"] = str(certificate.cert_path)
        options["ssl_keyfile"] = str(certificate.key_path)
    if not configure_logging:
        options["log_config"] = None
    uv_config = uvicorn.Config(create_app(config, clock), **options)  # type: ignore[arg-type]
    return uvicorn.Server(uv_config)


def base_urls(scheme: str, host: str, port: int) -> tuple[str, str]:
    """The SCV base URL and the vCenter URL of a server."""
    shown = f"[{host}]" if ":" in host else host
    root = f"{scheme}://{shown}:{port}"
    return f"{root}/api", root


class EmbeddedEmulator:
    """An emulator served from a background thread on loopback; use as a context manager."""

    def __init__(self, config: EmulatorConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config or EmulatorConfig(port=0)
        self.config.validate()
        self._clock = clock
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.certificate: CertificateFiles | None = None
        self.port = 0

    @property
    def username(self) -> str:
        return self.config.username

    @property
    def password(self) -> str:
        return self.config.password

    @property
    def scheme(self) -> str:
        return "https" if self.config.tls else "http"

    @property
    def base_url(self) -> str:
        return base_urls(self.scheme, self.config.host, self.port)[0]

    @property
    def vcenter_url(self) -> str:
        return base_urls(self.scheme, self.config.host, self.port)[1]

    @property
    def ca_path(self) -> str | None:
        """The CA certificate to verify the server with (None without TLS)."""
        return str(self.certificate.ca_path) if self.certificate else None

    def start(self) -> EmbeddedEmulator:
        self.certificate = ensure_certificate(self.config.cert_dir) if self.config.tls else None
        sock = bind(self.config.host, self.config.port)
        self.port = sock.getsockname()[1]
        self._server = make_server(
            self.config, self.certificate, self._clock, configure_logging=False
        )
        server = self._server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="scv-emulator", daemon=True
        )
        self._thread.start()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        assert self._server is not None and self._thread is not None
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the embedded emulator did not start")
            time.sleep(0.01)
        with socket.create_connection((self.config.host, self.port), timeout=READY_TIMEOUT) as conn:
            if self.certificate is not None:
                context = ssl.create_default_context(cafile=str(self.certificate.ca_path))
                with context.wrap_socket(conn, server_hostname=self.config.host):
                    pass

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=READY_TIMEOUT)
        self._server = None
        self._thread = None

    def __enter__(self) -> EmbeddedEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
