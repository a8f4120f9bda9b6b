"""Opening the run's target in the parent: the embedded emulator, or a real appliance;
either way after the preflight (conformance.run.preflight), which reads the release the
appliance reports."""

from __future__ import annotations

from dataclasses import replace

from conformance.contract.spec import LATEST_RELEASE, Contract, load_contract, release_key
from conformance.core.context import RunContext
from conformance.core.errors import UsageError
from conformance.core.settings import Settings
from conformance.emulator import EmbeddedEmulator, EmulatorConfig
from conformance.emulator.conditions import CONDITIONS
from conformance.emulator.faults import FAULTS
from conformance.emulator.releases import VARIANTS
from conformance.http import process
from conformance.http.session import Target
from conformance.run.preflight import run_preflight


def open_context(settings: Settings) -> RunContext:
    """Resolve the target (starting the embedded emulator if none) and check it answers.

    The parent's own requests (the preflight) keep the run's pace too.
    """
    process.PACER.configure(settings.requests_per_second)
    contract = load_contract(overlays=settings.overlays)
    if settings.target is None:
        return _embedded_context(settings, contract)
    if not settings.username or not settings.password:
        raise UsageError(
            "a target needs credentials: --username/--password, SCV_USERNAME/SCV_PASSWORD "
            "or the config file"
        )
    target = appliance_target(settings)
    findings = run_preflight(target, contract, settings.inventory, concurrency=settings.concurrency)
    reported = findings.version
    return RunContext(
        settings=settings,
        target=target,
        contract=contract,
        release=_gating_release(settings.appliance_version, reported),
        reported_version=reported,
        findings=findings,
    )


def appliance_target(settings: Settings) -> Target:
    """The appliance ``settings`` name, as every client of the harness reaches it."""
    if not settings.target:
        raise UsageError("no target: give --target URL")
    return Target(
        base_url=settings.target,
        username=settings.username or "",
        password=settings.password or "",
        verify=settings.tls_verify,
        vcenter_url=settings.vcenter,
        embedded=False,
        headers=dict(settings.headers),
        proxy=settings.proxy,
    )


def embedded_config(settings: Settings) -> EmulatorConfig:
    """The embedded emulator ``settings`` ask for (``--fault``, ``--condition``,
    ``--release-variant``, ``--latency-ms``, ``--job-duration``); UsageError (one line,
    with the choices) for a name the emulator does not play."""
    for flag, given, known in (
        ("--fault", settings.faults, FAULTS),
        ("--condition", settings.conditions, CONDITIONS),
        ("--release-variant", (settings.release_variant or "",), VARIANTS),
    ):
        unknown = [name for name in given if name and name not in known]
        if unknown:
            raise UsageError(
                f"{flag}: the emulator plays no {unknown[0]!r}; choose from {', '.join(known)}"
            )
    played = EmulatorConfig(
        host="127.0.0.1",
        port=0,
        appliance_version=settings.appliance_version or LATEST_RELEASE,
        seed=settings.seed or 0,
        overlays=settings.overlays,
        fault=settings.faults or None,
        conditions=settings.conditions,
        release_variant=settings.release_variant,
        latency_ms=float(settings.latency_ms),
    )
    if settings.job_duration is not None:
        played = replace(played, job_duration=settings.job_duration)
    return played


def played(settings: Settings) -> str:
    """``, playing fault X, condition Y``: what the embedded emulator plays on purpose
    (``--fault``, ``--condition``, ``--release-variant``), for the console; empty if none."""
    names = [f"fault {name}" for name in settings.faults]
    names += [f"condition {name}" for name in settings.conditions]
    if settings.release_variant:
        names.append(f"release variant {settings.release_variant}")
    return f", playing {', '.join(names)}" if names else ""


def _embedded_context(settings: Settings, contract: Contract) -> RunContext:
    config = embedded_config(settings)
    release = config.appliance_version
    emulator = EmbeddedEmulator(config)
    emulator.__enter__()
    target = Target(
        base_url=emulator.base_url,
        username=emulator.username,
        password=emulator.password,
        verify=emulator.ca_path or True,
        vcenter_url=emulator.vcenter_url,
        embedded=True,
        headers=dict(settings.headers),
        proxy=settings.proxy,
    )
    try:
        findings = run_preflight(target, contract)
    except BaseException:
        emulator.__exit__(None, None, None)
        raise
    return RunContext(
        settings=settings,
        target=target,
        contract=contract,
        release=release,
        reported_version=config.reported_version,
        findings=findings,
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
