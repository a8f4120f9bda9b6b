"""Settings of one emulated appliance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conformance.core.contract import LATEST_RELEASE, load_contract, release_key
from conformance.core.errors import HarnessError, UsageError

DEFAULT_USERNAME = "administrator@vsphere.local"
DEFAULT_PASSWORD = "scv-emulator"
DEFAULT_PORT = 8144
OLDEST_RELEASE = "4.1"


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
    fault: str | None = None
    token_ttl: float = 120.0
    #: Overlay 1.0 documents applied to the contract the emulator serves and validates by.
    overlays: tuple[Path, ...] = ()

    def __repr__(self) -> str:
        return (
            f"EmulatorConfig(host={self.host!r}, port={self.port}, tls={self.tls}, "
            f"username={self.username!r}, password='***', "
            f"appliance_version={self.appliance_version!r}, fault={self.fault!r})"
        )

    @property
    def token_ttl_seconds(self) -> float:
        """Token lifetime in seconds (``token_ttl`` is in minutes)."""
        return self.token_ttl * 60.0

    def validate(self) -> None:
        """Raise UsageError with a one-line reason when a setting is unusable."""
        from conformance.emulator.faults import FAULTS

        try:
            version = release_key(self.appliance_version)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if version < release_key(OLDEST_RELEASE):
            raise UsageError(
                f"appliance version {self.appliance_version} predates the REST API "
                f"(first release {OLDEST_RELEASE})"
            )
        if self.fault is not None and self.fault not in FAULTS:
            known = ", ".join(sorted(FAULTS))
            raise UsageError(f"unknown fault {self.fault!r} (known: {known})")
        if self.job_duration < 0:
            raise UsageError("job duration must not be negative")
        if self.token_ttl <= 0:
            raise UsageError("token TTL must be positive")
        if not 0 <= self.port <= 65535:
            raise UsageError(f"port {self.port} is out of range")
        if not self.username or not self.password:
            raise UsageError("username and password must not be empty")
        if self.overlays:
            try:
                load_contract(overlays=tuple(self.overlays))
            except HarnessError as exc:
                raise UsageError(str(exc)) from None
