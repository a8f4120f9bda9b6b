"""The run context: the resolved target, the contract and what may run against it.

A command resolves its settings, opens a context (starting the embedded emulator when no
target is given) and hands it to the suites. The suites run inside pytest, possibly in
xdist workers, so the context travels to them through environment variables
(:func:`export_environment`) and is rebuilt there by :func:`from_environment`.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from conformance.core.contract import (
    LATEST_RELEASE,
    Contract,
    Operation,
    load_contract,
    release_key,
)
from conformance.core.errors import ConfigError, TargetUnreachable
from conformance.core.session import ScvSession, Target, tls_verification
from conformance.core.settings import Settings, resolve

#: Marks, for the suites' processes, that the target is the run's own embedded emulator.
EMBEDDED_MARKER = "SCV_CONFORMANCE_EMBEDDED"
REPORTED_VERSION = "SCV_CONFORMANCE_REPORTED_VERSION"
PROBE_TIMEOUT_SECONDS = 15.0


@dataclass
class RunContext:
    """What every suite needs: settings, target, contract and release gating."""

    settings: Settings
    target: Target
    contract: Contract
    release: str
    reported_version: str | None
    _emulator: object | None = field(default=None, repr=False)

    @property
    def destructive_allowed(self) -> bool:
        """State-changing calls run against the embedded emulator or when allowed."""
        return self.target.embedded or self.settings.allow_destructive

    def version_skip_reason(self, operation: Operation) -> str | None:
        if operation.available_in(self.release):
            return None
        return (
            f"{operation.operation_id} ships with SCV {operation.since}; "
            f"the target runs {self.release}"
        )

    def safety_skip_reason(self, operation: Operation) -> str | None:
        if not operation.mutates or self.destructive_allowed:
            return None
        return (
            f"{operation.operation_id} changes appliance state; left out against "
            f"{self.target.base_url} without --allow-destructive"
        )

    def skip_reason(self, operation: Operation) -> str | None:
        """Why ``operation`` must not run against this target, or None."""
        return self.version_skip_reason(operation) or self.safety_skip_reason(operation)

    def session(self, **kwargs: object) -> ScvSession:
        return ScvSession(self.target, **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        if self._emulator is not None:
            self._emulator.__exit__(None, None, None)  # type: ignore[attr-defined]
            self._emulator = None

    def __enter__(self) -> RunContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_context(settings: Settings, *, probe: bool = True) -> RunContext:
    """Resolve the target (starting the embedded emulator if none) and check it answers."""
    contract = load_contract(overlays=settings.overlays)
    if settings.target is None:
        return _embedded_context(settings, contract)
    if not settings.username or not settings.password:
        raise ConfigError(
            "a target needs credentials: --username/--password, SCV_USERNAME/SCV_PASSWORD "
            "or the config file"
        )
    target = Target(
        base_url=settings.target,
        username=settings.username,
        password=settings.password,
        verify=settings.tls_verify,
        vcenter_url=settings.vcenter,
        embedded=os.environ.get(EMBEDDED_MARKER) == "1" and _is_loopback(settings.target),
    )
    reported = os.environ.get(REPORTED_VERSION) or (detect_version(target) if probe else None)
    return RunContext(
        settings=settings,
        target=target,
        contract=contract,
        release=_gating_release(settings.appliance_version, reported),
        reported_version=reported,
    )


def from_environment(environ: Mapping[str, str] | None = None) -> RunContext:
    """The context of a suite process, from the variables its command exported."""
    settings = resolve(argparse.Namespace(), environ)
    return open_context(settings, probe=REPORTED_VERSION not in (environ or os.environ))


def export_environment(context: RunContext) -> dict[str, str]:
    """Environment variables that let a suite process rebuild ``context``."""
    target = context.target
    env = {
        "SCV_TARGET": target.base_url,
        "SCV_USERNAME": target.username,
        "SCV_PASSWORD": target.password,
        "SCV_TLS_VERIFY": str(target.verify).lower()
        if isinstance(target.verify, bool)
        else target.verify,
        "SCV_APPLIANCE_VERSION": context.release,
        "SCV_ALLOW_DESTRUCTIVE": str(context.settings.allow_destructive).lower(),
        "SCV_JOB_TIMEOUT": str(context.settings.job_timeout),
        "SCV_RESPONSE_TIME_BUDGET_MS": str(context.settings.response_time_budget_ms),
        REPORTED_VERSION: context.reported_version or "unknown",
    }
    if target.vcenter_url:
        env["SCV_VCENTER"] = target.vcenter_url
    if context.settings.config_file:
        env["SCV_CONFIG"] = str(context.settings.config_file)
    if context.settings.seed is not None:
        env["SCV_SEED"] = str(context.settings.seed)
    if context.settings.max_examples is not None:
        env["SCV_MAX_EXAMPLES"] = str(context.settings.max_examples)
    if context.settings.overlays:
        env["SCV_OVERLAYS"] = os.pathsep.join(str(p) for p in context.settings.overlays)
    if target.embedded:
        env[EMBEDDED_MARKER] = "1"
    return env


def detect_version(target: Target) -> str | None:
    """The release the appliance reports in its own OpenAPI document (springdoc).

    Raises TargetUnreachable when nothing answers at all.
    """
    root = target.base_url
    try:
        response = httpx.get(
            f"{root}/v3/api-docs",
            verify=tls_verification(target.verify),
            timeout=PROBE_TIMEOUT_SECONDS,
        )
    except httpx.TransportError as exc:
        raise TargetUnreachable(f"{root} unreachable: {type(exc).__name__}: {exc}") from None
    if response.status_code != 200:
        return None
    try:
        version = str(response.json()["info"]["version"])
    except (ValueError, KeyError, TypeError):
        return None
    return version


def _embedded_context(settings: Settings, contract: Contract) -> RunContext:
    from conformance.emulator import EmbeddedEmulator, EmulatorConfig

    release = settings.appliance_version or LATEST_RELEASE
    config = EmulatorConfig(
        host="127.0.0.1",
        port=0,
        appliance_version=release,
        seed=settings.seed or 0,
        overlays=settings.overlays,
    )
    emulator = EmbeddedEmulator(config)
    emulator.__enter__()
    target = Target(
        base_url=emulator.base_url,
        username=emulator.username,
        password=emulator.password,
        verify=emulator.ca_path or True,
        vcenter_url=emulator.vcenter_url,
        embedded=True,
    )
    return RunContext(
        settings=settings,
        target=target,
        contract=contract,
        release=release,
        reported_version=release,
        _emulator=emulator,
    )


def _gating_release(configured: str | None, reported: str | None) -> str:
    if configured:
        return configured
    if reported:
        try:
            release_key(reported)
            return ".".join(reported.split(".")[:2])
        except ValueError:
            pass
    return LATEST_RELEASE


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
