"""The appliance of a cell: an emulator playing the cell's release under its condition, and
the proxy in front of it, judging every request the integration sends.

Each cell gets a fresh emulator (so no cell sees another's state, tokens or request
count), called in-process by a fresh proxy on a free loopback port whose run folder is the
cell's folder (summary.json, summary.md, junit.xml, allure-results/, traffic.har). The
proxy speaks HTTPS, as an appliance does, with a certificate made for the run (or plain
HTTP). The integration is told the proxy's addresses; the emulator has none.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from conformance.core.errors import InfrastructureError, UsageError
from conformance.emulator.app import create_app
from conformance.emulator.config import DEFAULT_USERNAME, EmulatorConfig
from conformance.emulator.tls import CertificateFiles, ensure_certificate
from conformance.proxy.server import ClientProxy
from conformance.proxy.upstream import Upstream
from conformance.testbed.cell import Front, FrontFactory, Traffic
from conformance.testbed.integration import Appliance
from conformance.testbed.matrix import Cell
from conformance.testbed.traffic import traffic_of

HAR_FILE = "traffic.har"


@dataclass(frozen=True)
class FrontOptions:
    """What every cell's emulator and proxy share."""

    job_duration: float = 0.3
    username: str = DEFAULT_USERNAME
    strict: bool = False
    #: the proxy speaks HTTPS, as an appliance does, with a CA made for the run
    tls: bool = True


@contextmanager
def emulated_fronts(options: FrontOptions) -> Iterator[FrontFactory]:
    """A factory of cell fronts sharing one fresh random password and, with TLS, one
    certificate (its folder, private key included, is removed at the end)."""
    password = secrets.token_urlsafe(18)
    folder = Path(tempfile.mkdtemp(prefix="scv-certify-client-")) if options.tls else None
    try:
        certificate = ensure_certificate(folder) if folder is not None else None
        yield _factory(options, password, certificate)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _factory(
    options: FrontOptions, password: str, certificate: CertificateFiles | None
) -> FrontFactory:
    def front(cell: Cell, folder: Path) -> Front:
        config = EmulatorConfig(
            tls=False,
            username=options.username,
            password=password,
            appliance_version=cell.release,
            job_duration=options.job_duration,
            conditions=(cell.condition,) if cell.condition else (),
        )
        try:
            config.validate()
        except UsageError as exc:
            raise InfrastructureError(f"cell {cell.name}: {exc}") from None
        return EmulatedFront(config, folder, options.strict, certificate)

    return front


class EmulatedFront(Front):
    """The emulator and the proxy of one cell, while the command runs."""

    def __init__(
        self,
        config: EmulatorConfig,
        folder: Path,
        strict: bool,
        certificate: CertificateFiles | None = None,
    ) -> None:
        self.config = config
        self.certificate = certificate
        self.folder = folder
        self.strict = strict
        self.secrets: Sequence[str] = (config.password,)
        self._proxy: ClientProxy | None = None
        self._traffic: Traffic | None = None

    def __enter__(self) -> EmulatedFront:
        self.folder.mkdir(parents=True, exist_ok=True)
        upstream = Upstream.of_app(
            create_app(self.config), name=f"emulator {self.config.appliance_version}"
        )
        proxy = ClientProxy(
            upstream,
            strict=self.strict,
            run_dir=self.folder,
            record=self.folder / HAR_FILE,
            certificate=self.certificate,
        )
        try:
            proxy.start()
        except (OSError, RuntimeError) as exc:
            raise InfrastructureError(f"the proxy did not start: {exc}") from None
        self._proxy = proxy
        self.appliance = Appliance(
            scv_url=proxy.url,
            vcenter_url=proxy.vcenter_url,
            username=self.config.username,
            password=self.config.password,
            ca_file=str(self.certificate.ca_path) if self.certificate else None,
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._proxy is None:
            return
        verdict = self._proxy.stop()
        self.secrets = (self.config.password, *self._proxy.judge.secrets.values)
        self._traffic = traffic_of(verdict.summary, self.folder)

    def traffic(self) -> Traffic:
        if self._traffic is None:
            raise InfrastructureError("the proxy gave no verdict")
        return self._traffic
