"""Settings of one emulated appliance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conformance.contract.spec import LATEST_RELEASE, load_contract, release_key
from conformance.core.errors import HarnessError, UsageError
from conformance.emulator import conditions as played
from conformance.emulator.auth import DEFAULT_MAX_SESSIONS
from conformance.emulator.faults import FAULTS
from conformance.emulator.limits import DEFAULT_MAX_BODY_BYTES
from conformance.emulator.releases import VARIANTS, ReleaseVariant

DEFAULT_USERNAME = "administrator@vsphere.local"
DEFAULT_PASSWORD = "scv-emulator"
DEFAULT_PORT = 8144
OLDEST_RELEASE = "4.1"
#: How the ESX host list is spelled in answers: the English pages' or the translation's.
SPELLINGS = ("english", "translation")
#: Which datastore snapshot-location path is served (the pages name two).
SNAPSHOT_PATHS = ("both", "snapshotlocations", "snapshotlocators")
#: What a request field the contract does not name meets: a 400 naming it (the contract's
#: closed schemas, the default), or silence, as Spring's Jackson ignores unknown fields.
UNKNOWN_FIELDS = ("refuse", "ignore")


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything that shapes one emulated appliance."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    tls: bool = True
    cert_dir: Path | None = None
    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    appliance_version: str = LATEST_RELEASE
    job_duration: float = 0.3
    seed: int = 0
    #: The defects played on purpose (``faults.FAULTS``): one name, several, or none.
    fault: str | tuple[str, ...] | None = None
    token_ttl: float = 120.0
    #: Overlay 1.0 documents applied to the contract the emulator serves and validates by.
    overlays: tuple[Path, ...] = ()
    vcenter_session_ttl: float = 30.0
    max_sessions: int = DEFAULT_MAX_SESSIONS
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    latency_ms: float = 0.0
    latency_spread_ms: float = 0.0
    release_variant: str | None = None
    spelling: str = "english"
    snapshot_path: str = "both"
    #: Legitimate appliance behaviour played (``conditions.CONDITIONS``), any number.
    conditions: tuple[str, ...] = ()
    unknown_fields: str = "refuse"

    def __repr__(self) -> str:
        return (
            f"EmulatorConfig(host={self.host!r}, port={self.port}, tls={self.tls}, "
            f"username={self.username!r}, password='***', "
            f"appliance_version={self.appliance_version!r}, fault={self.fault!r}, "
            f"latency_ms={self.latency_ms:g}, latency_spread_ms={self.latency_spread_ms:g}, "
            f"release_variant={self.release_variant!r}, conditions={self.conditions!r}, "
            f"unknown_fields={self.unknown_fields!r})"
        )

    @property
    def faults(self) -> tuple[str, ...]:
        """The faults played, each once, in the order given."""
        if self.fault is None:
            return ()
        names = (self.fault,) if isinstance(self.fault, str) else self.fault
        return tuple(dict.fromkeys(names))

    @property
    def variant(self) -> ReleaseVariant | None:
        """The release variant played, if any."""
        return VARIANTS[self.release_variant] if self.release_variant else None

    @property
    def reported_version(self) -> str:
        """The release the emulator reports: the variant's, else the one played."""
        variant = self.variant
        return variant.version if variant else self.appliance_version

    @property
    def played_job_duration(self) -> float:
        """How long jobs run: ``job_duration``, longer under ``slow-jobs``."""
        slow = played.SLOW_JOBS in self.conditions
        return self.job_duration * (played.SLOW_JOB_FACTOR if slow else 1)

    @property
    def jobs_fail(self) -> bool:
        """Jobs end failed (``job-failure``)."""
        return played.JOB_FAILURE in self.conditions

    @property
    def token_uses(self) -> int | None:
        """Calls a token serves before it stops working (``token-expiry``); None: no limit."""
        return played.TOKEN_USES if played.TOKEN_EXPIRY in self.conditions else None

    @property
    def transient_errors(self) -> bool:
        """An occasional 503 (``transient-errors``)."""
        return played.TRANSIENT_ERRORS in self.conditions

    @property
    def played_spelling(self) -> str:
        """The ESX host list's spelling: ``spelling``, the translation's under its condition."""
        return "translation" if played.TRANSLATION_SPELLING in self.conditions else self.spelling

    @property
    def played_snapshot_path(self) -> str:
        """The snapshot path(s) served: ``snapshot_path``, ``snapshotlocators`` under its
        condition."""
        if played.SNAPSHOTLOCATORS in self.conditions:
            return "snapshotlocators"
        return self.snapshot_path

    @property
    def token_ttl_seconds(self) -> float:
        """Token lifetime in seconds (``token_ttl`` is in minutes)."""
        return self.token_ttl * 60.0

    @property
    def vcenter_session_ttl_seconds(self) -> float:
        """Idle time after which a vCenter session ends (``vcenter_session_ttl`` is minutes)."""
        return self.vcenter_session_ttl * 60.0

    def validate(self) -> None:
        """Raise UsageError with a one-line reason when a setting is unusable."""
        try:
            version = release_key(self.appliance_version)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if version < release_key(OLDEST_RELEASE):
            raise UsageError(
                f"appliance version {self.appliance_version} predates the REST API "
                f"(first release {OLDEST_RELEASE})"
            )
        for name in self.faults:
            if name not in FAULTS:
                known = ", ".join(sorted(FAULTS))
                raise UsageError(f"unknown fault {name!r} (known: {known})")
        if self.release_variant is not None:
            variant = VARIANTS.get(self.release_variant)
            if variant is None:
                known = ", ".join(sorted(VARIANTS))
                raise UsageError(
                    f"unknown release variant {self.release_variant!r} (known: {known})"
                )
            if self.appliance_version != variant.follows:
                raise UsageError(
                    f"release variant {variant.name!r} follows {variant.follows}; "
                    f"it cannot be played on {self.appliance_version}"
                )
        if self.spelling not in SPELLINGS:
            raise UsageError(f"unknown spelling {self.spelling!r} (one of {', '.join(SPELLINGS)})")
        if self.snapshot_path not in SNAPSHOT_PATHS:
            known = ", ".join(SNAPSHOT_PATHS)
            raise UsageError(f"unknown snapshot path {self.snapshot_path!r} (one of {known})")
        strange = played.unknown(self.conditions)
        if strange:
            known = ", ".join(played.CONDITIONS)
            raise UsageError(f"unknown condition {strange[0]!r} (known: {known})")
        if self.unknown_fields not in UNKNOWN_FIELDS:
            known = ", ".join(UNKNOWN_FIELDS)
            raise UsageError(f"unknown fields: {self.unknown_fields!r} is not one of {known}")
        if self.job_duration < 0:
            raise UsageError("job duration must not be negative")
        if self.token_ttl <= 0:
            raise UsageError("token TTL must be positive")
        if self.vcenter_session_ttl <= 0:
            raise UsageError("vCenter session TTL must be positive")
        if self.max_sessions < 1:
            raise UsageError("the session limit must be at least 1")
        if self.max_body_bytes < 1:
            raise UsageError("the body size limit must be at least 1 byte")
        if self.latency_ms < 0 or self.latency_spread_ms < 0:
            raise UsageError("latency and its spread must not be negative")
        if self.latency_spread_ms > self.latency_ms:
            raise UsageError(
                f"a latency spread of {self.latency_spread_ms:g} ms exceeds the latency "
                f"({self.latency_ms:g} ms)"
            )
        if not 0 <= self.port <= 65535:
            raise UsageError(f"port {self.port} is out of range")
        if not self.username or not self.password:
            raise UsageError("username and password must not be empty")
        if self.overlays:
            try:
                load_contract(overlays=tuple(self.overlays))
            except HarnessError as exc:
                raise UsageError(str(exc)) from None
