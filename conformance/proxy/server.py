"""The proxy as a program: started and stopped in-process, its verdict when it stops.

:class:`ClientProxy` serves :class:`~conformance.proxy.app.ProxyApp` with uvicorn from a
background thread on a bound socket (port 0 picks a free one), so that a test, the
``proxy`` command and ``certify-client`` all run it the same way::

    with ClientProxy(Upstream.of_app(create_app(config))) as proxy:
        run_the_integration(proxy.url, proxy.vcenter_url)
    verdict = proxy.verdict        # also what proxy.stop() returns
    verdict.exit_code, verdict.summary["failures"]
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from conformance.client import ClientJudge, Finding
from conformance.client.report import SessionFacts, build_summary, write_reports
from conformance.contract.matching import OperationMatcher
from conformance.contract.spec import Contract, load_contract
from conformance.emulator.server import bind
from conformance.emulator.tls import CertificateFiles
from conformance.http.recording import ExchangeLog, log_files
from conformance.proxy.app import ProxyApp
from conformance.proxy.upstream import API_BASE, Upstream
from conformance.reporting.har import write_har

READY_TIMEOUT = 10.0
#: Where in a run folder the proxy keeps its exchange log (the HAR is made from it).
EXCHANGES = "exchanges/proxy.jsonl"


@dataclass(frozen=True)
class ProxyVerdict:
    """What the proxy concluded about the client's traffic."""

    summary: dict[str, Any]
    findings: tuple[Finding, ...]

    @property
    def exit_code(self) -> int:
        return int(self.summary["exitCode"])

    @property
    def failures(self) -> list[dict[str, Any]]:
        return list(self.summary["failures"])

    @property
    def deviations(self) -> list[dict[str, Any]]:
        return list(self.summary["deviations"])


class ClientProxy:
    """A validating, recording reverse proxy in front of ``upstream``."""

    def __init__(
        self,
        upstream: Upstream,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        contract: Contract | None = None,
        strict: bool = False,
        run_dir: Path | None = None,
        record: Path | None = None,
        certificate: CertificateFiles | None = None,
    ) -> None:
        """``run_dir``: keep the exchange log there (and write the reports on stop);
        ``record``: write the session as HAR 1.2 there on stop (needs ``run_dir``);
        ``certificate``: serve HTTPS with it (its CA is what the client trusts)."""
        self.upstream = upstream
        self.certificate = certificate
        self.host = host
        self.port = port
        self.contract = contract or load_contract()
        self.run_dir = run_dir
        self.record = record
        self.judge = ClientJudge(self.contract, strict=strict)
        log = None
        # the exchange log is what the HAR is made of: kept only when one is asked for
        if run_dir is not None and record is not None:
            log = ExchangeLog(run_dir / EXCHANGES, OperationMatcher(self.contract))
        self.log = log
        self.app = ProxyApp(upstream, self.judge, log)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._started = time.time()
        self._start_time = datetime.now(UTC).isoformat(timespec="seconds")
        self.verdict: ProxyVerdict | None = None

    @property
    def origin(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self.certificate is not None else "http"
        return f"{scheme}://{shown}:{self.port}"

    @property
    def url(self) -> str:
        """The SCV base URL a client is given (``http://127.0.0.1:PORT/api``, or https)."""
        return self.origin + API_BASE

    @property
    def vcenter_url(self) -> str:
        """vCenter's URL through the proxy (the same address)."""
        return self.origin

    def start(self) -> ClientProxy:
        """Listen and serve from a background thread; OSError when the address is taken."""
        sock = bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        self.app.origin = self.origin
        tls: dict[str, str] = {}
        if self.certificate is not None:
            tls["ssl_certfile"] = str(self.certificate.cert_path)
            tls["ssl_keyfile"] = str(self.certificate.key_path)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            log_config=None,
            timeout_keep_alive=30,
            timeout_graceful_shutdown=1,
            **tls,  # type: ignore[arg-type]
        )
        self._server = uvicorn.Server(config)
        server = self._server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="scv-proxy", daemon=True
        )
        self._started = time.time()
        self._start_time = datetime.now(UTC).isoformat(timespec="seconds")
        self._thread.start()
        deadline = time.monotonic() + READY_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._halt()
                raise RuntimeError("the proxy did not start")
            time.sleep(0.01)
        return self

    def _halt(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=READY_TIMEOUT)
        self._server = None
        self._thread = None

    def stop(self, stopped_by: str = "stop") -> ProxyVerdict:
        """Stop serving; the verdict (and, with ``run_dir``, the reports and the HAR)."""
        self._halt()
        if self.log is not None:
            self.log.close()
        facts = SessionFacts(
            source="proxy",
            target=self.upstream.name,
            start_time=self._start_time,
            duration_seconds=round(time.time() - self._started, 3),
            stopped_by=stopped_by,
            unreachable=self.app.traffic.unreachable,
            record=str(self.record) if self.record else None,
        )
        with self.app.lock:
            summary = build_summary(self.judge, facts)
            findings = tuple(self.judge.findings())
            secrets = self.judge.secrets.values
        if self.run_dir is not None:
            write_reports(self.run_dir, summary)
            if self.record is not None:
                write_har(log_files(self.run_dir), self.record, secrets)
        self.verdict = ProxyVerdict(summary, findings)
        return self.verdict

    def __enter__(self) -> ClientProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._thread is not None:
            self.stop()
