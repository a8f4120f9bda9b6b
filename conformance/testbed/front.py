"""The appliance of a cell: an emulator playing the cell's release under its condition, and
the proxy in front of it, judging every request the integration sends.

Each cell gets a fresh emulator (so no cell sees another's state, tokens or request
count), called in-process by a fresh proxy on a free loopback port whose run folder is the
cell's folder (summary.json, summary.md, junit.xml, allure-results/, traffic.har). The
integration is told the proxy's addresses; the emulator has none.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from conformance.core.errors import InfrastructureError, UsageError
from conformance.emulator.app import create_app
from conformance.emulator.config import DEFAULT_USERNAME, EmulatorConfig
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


def emulated_front(options: FrontOptions) -> FrontFactory:
    """A factory of cell fronts; every cell's appliance takes one fresh random password."""
    password = secrets.token_urlsafe(18)

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
        return EmulatedFront(config, folder, options.strict)

    return front


class EmulatedFront(Front):
    """The emulator and the proxy of one cell, while the command runs."""

    def __init__(self, config: EmulatorConfig, folder: Path, strict: bool) -> None:
        self.config = config
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
