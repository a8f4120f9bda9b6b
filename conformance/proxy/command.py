"""``scv-conformance proxy``: judge a client's traffic until stopped, then report.

Without ``--target`` the embedded emulator answers (one address serves the SCV API and the
emulated vCenter, as ``emulate`` does); with it, a real appliance (and ``--vcenter``),
reached with the usual connection options. The proxy needs no credentials: the client logs
in through it. SIGINT, SIGTERM or ``--max-time`` stop it; the run folder is then written
under ``--report-dir`` (summary.json, summary.md, junit.xml, allure-results/) and
``--record FILE.har`` if asked. Exit 0: the client's traffic conformed; 1: a client
failure; 3: the appliance could not be reached (or the address to listen on is taken).
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from conformance.client import RequestVerdict
from conformance.contract.spec import LATEST_RELEASE, load_contract
from conformance.core.errors import ExitCode, UsageError
from conformance.core.settings import Settings
from conformance.emulator import EmulatorConfig, create_app
from conformance.emulator.cli import PASSWORD_ENV
from conformance.http.redaction import replace_secrets
from conformance.proxy.options import listen_address
from conformance.proxy.server import ClientProxy, ProxyVerdict
from conformance.proxy.upstream import Upstream
from conformance.reporting.run_dirs import new_run_dir

#: Seconds to connect to the appliance when the proxy starts.
REACH_TIMEOUT = 10.0


def upstream_of(settings: Settings) -> tuple[Upstream, EmulatorConfig | None]:
    """The appliance of ``settings``, or the embedded emulator when it names none."""
    if settings.target is not None:
        return Upstream.of_settings(settings), None
    config = EmulatorConfig(
        port=0,
        tls=False,
        password=os.environ.get(PASSWORD_ENV) or EmulatorConfig.password,
        appliance_version=settings.appliance_version or LATEST_RELEASE,
        overlays=settings.overlays,
    )
    config.validate()
    return Upstream.of_app(create_app(config)), config


def unreachable(url: str, timeout: float) -> str | None:
    """Why a TCP connection to ``url``'s host cannot be opened, or None when it can."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return None
    except OSError as exc:
        return f"cannot reach {parts.hostname}:{port} ({url}): {exc.strerror or exc}"


class _Stop:
    """What ends the session: a signal or the time limit."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason = "max-time"

    def handler(self, signum: int, frame: FrameType | None) -> None:
        self.reason = signal.Signals(signum).name
        self.event.set()


def run(settings: Settings, listen: str, record: str | None) -> int:
    """Serve until stopped; the exit code of the client's verdict."""
    host, port = listen_address(listen)
    upstream, emulator = upstream_of(settings)
    record_path = Path(record).expanduser().absolute() if record else None
    if record_path is not None and not record_path.parent.is_dir():
        raise UsageError(f"--record: no folder {record_path.parent}")
    contract = load_contract(overlays=settings.overlays)
    run_dir = new_run_dir(settings.report_dir, datetime.now(UTC))
    strict = bool(settings.strict)
    if settings.target is not None:
        problem = unreachable(settings.target, min(settings.request_timeout, REACH_TIMEOUT))
        if problem is not None:
            proxy = ClientProxy(upstream, contract=contract, strict=strict, run_dir=run_dir)
            proxy.app.traffic.unreachable = problem
            proxy.stop("unreachable")
            print(f"scv-conformance proxy: error: {problem}", file=sys.stderr)
            print(f"reports: {run_dir}")
            return int(ExitCode.INFRASTRUCTURE)
    proxy = ClientProxy(
        upstream,
        host=host,
        port=port,
        contract=contract,
        strict=strict,
        run_dir=run_dir,
        record=record_path,
    )
    proxy.app.on_verdict = _printer(proxy)
    try:
        proxy.start()
    except OSError as exc:
        run_dir.rmdir()  # nothing was judged: no run folder is left behind
        taken = exc.errno == errno.EADDRINUSE
        why = "is already in use" if taken else f"cannot be listened on: {exc.strerror or exc}"
        print(f"scv-conformance proxy: error: {host}:{port} {why}", file=sys.stderr)
        return int(ExitCode.INFRASTRUCTURE)
    _announce(proxy, upstream, emulator, run_dir, settings)
    stop = _Stop()
    previous = {sig: signal.signal(sig, stop.handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        stop.event.wait(settings.max_time)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    verdict = proxy.stop(stop.reason)
    _conclude(verdict, run_dir, record_path)
    return verdict.exit_code


def _announce(
    proxy: ClientProxy,
    upstream: Upstream,
    emulator: EmulatorConfig | None,
    run_dir: Path,
    settings: Settings,
) -> None:
    print(f"scv-conformance proxy at {proxy.url}  (give the client this as the SCV URL)")
    if emulator is not None:
        print(f"  forwarding to: the embedded emulator (appliance {emulator.reported_version})")
        print(f"  vCenter:       {proxy.vcenter_url}")
        print(f"  username:      {emulator.username}")
        source = f"from {PASSWORD_ENV}" if os.environ.get(PASSWORD_ENV) else "the default"
        print(f"  password:      ******** ({source}, see docs/emulator.md)")
    else:
        print(f"  forwarding to: {upstream.name}")
        vcenter = f"{proxy.vcenter_url} -> {upstream.vcenter}" if upstream.vcenter else "not given"
        print(f"  vCenter:       {vcenter}")
    print(f"  run folder:    {run_dir}")
    limit = f" or after {settings.max_time:g} s" if settings.max_time else ""
    print(f"Ctrl-C or SIGTERM{limit} stops it and writes the reports.", flush=True)


def _printer(proxy: ClientProxy) -> Callable[[RequestVerdict], None]:
    def show(verdict: RequestVerdict) -> None:
        secrets = proxy.judge.secrets.values
        for finding in verdict.findings:
            kind = "deviation" if finding.deviation else "FAILURE"
            line = (
                f"  {kind} #{finding.index} {finding.operation_id} {finding.rule}: "
                f"{finding.message}"
            )
            print(replace_secrets(line, secrets), flush=True)

    return show


def _conclude(verdict: ProxyVerdict, run_dir: Path, record: Path | None) -> None:
    summary = verdict.summary
    print(
        f"{summary['requests']} requests · {len(summary['failures'])} client failures · "
        f"{len(summary['deviations'])} deviations · stopped by {summary['stoppedBy']} "
        f"→ {summary['status']}"
    )
    if summary.get("error"):
        print(f"  the appliance: {summary['error']}")
    print(f"reports: {run_dir}  (summary.md, summary.json, junit.xml, allure-results/)")
    if record is not None:
        print(f"recorded: {record}")
