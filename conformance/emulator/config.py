"""Settings of one emulated appliance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conformance.core.contract import LATEST_RELEASE, release_key

DEFAULT_USERNAME = "administrator@vsphere.local"
DEFAULT_PASSWORD = "scv-emulator"
DEFAULT_PORT = 8144
OLDEST_RELEASE = "4.1"
#: How the ESX host list is spelled in answers: the English pages' or the translation's.
SPELLINGS = ("english", "translation")
#: Which datastore snapshot-location path is served (the pages name two).
SNAPSHOT_PATHS = ("both", "snapshotlocations", "snapshotlocators")


class ConfigError(ValueError):
    """A setting that the emulator cannot run with."""


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
    spelling: str = "english"
    snapshot_path: str = "both"

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
        """Raise ConfigError with a one-line reason when a setting is unusable."""
        from conformance.emulator.faults import FAULTS

        try:
            version = release_key(self.appliance_version)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if version < release_key(OLDEST_RELEASE):
            raise ConfigError(
                f"appliance version {self.appliance_version} predates the REST API "
                f"(first release {OLDEST_RELEASE})"
            )
        if self.fault is not None and self.fault not in FAULTS:
            known = ", ".join(sorted(FAULTS))
            raise ConfigError(f"unknown fault {self.fault!r} (known: {known})")
        if self.spelling not in SPELLINGS:
            raise ConfigError(f"unknown spelling {self.spelling!r} (one of {', '.join(SPELLINGS)})")
        if self.snapshot_path not in SNAPSHOT_PATHS:
            known = ", ".join(SNAPSHOT_PATHS)
            raise ConfigError(f"unknown snapshot path {self.snapshot_path!r} (one of {known})")
        if self.job_duration < 0:
            raise ConfigError("job duration must not be negative")
        if self.token_ttl <= 0:
            raise ConfigError("token TTL must be positive")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port {self.port} is out of range")
        if not self.username or not self.password:
            raise ConfigError("username and password must not be empty")
