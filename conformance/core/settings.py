"""Run settings: one place that reads flags, environment variables and the TOML file.

Precedence: flags win over environment variables, which win over the configuration file,
which wins over the defaults. Each option is declared once, in :mod:`conformance.core.option_table`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core import option_table
from conformance.core.errors import UsageError
from conformance.core.inputs import load_toml
from conformance.core.option_table import OPTIONS, default, rate_per_second

#: Option name -> environment variable.
ENVIRONMENT = {o.name: o.variable for o in OPTIONS if o.variable}
#: Option name -> default, for every option the configuration file may set.
DEFAULTS: dict[str, Any] = {o.name: o.default for o in OPTIONS if o.config and o.name != "headers"}

#: Seconds an interrupted run's cleanup gets for its calls, besides waiting for jobs.
CLEANUP_CALLS_SECONDS = 60.0

#: The inventory names that scenarios work on against a real appliance.
INVENTORY_KEYS = (
    "vm",
    "alternate_vm",
    "template_vm",
    "partial_backup_vm",
    "deleted_vm_uuid",
    "datastore",
    "esx_host",
    "storage_system",
    # how workflows 1 and 2 add it (default: vsadmin, AFF); its password: SCV_STORAGE_PASSWORD
    "storage_username",
    "storage_platform_type",
)
#: Inventory names that list more objects like another one (``vms`` beside ``vm``), so that
#: workflows on that kind of object need not wait for each other (conformance.scenarios.pools).
POOL_KEYS = ("vms", "datastores")
#: How a pool's names are kept in one inventory value (a name holds no line break).
POOL_SEPARATOR = "\n"


@dataclass(frozen=True)
class Settings:
    """Everything a fuzz, scenario or full run needs to know about its target."""

    #: The API's base URL (``--target`` with ``--api-path`` or ``/api`` when it names no path).
    target: str | None
    vcenter: str | None
    username: str | None
    password: str | None = field(repr=False)
    tls_verify: bool | str
    appliance_version: str | None
    allow_destructive: bool
    seed: int | None
    max_examples: int | None
    report_dir: Path
    job_timeout: float
    response_time_budget_ms: int
    budgets: Mapping[str, int] = field(default_factory=dict)
    inventory: Mapping[str, str] = field(default_factory=dict)
    config_file: Path | None = None
    #: Overlay 1.0 documents applied to the contract, in order, as absolute paths.
    overlays: tuple[Path, ...] = ()
    #: ``--strict``: deviations fail the run; None leaves it to the target (strict against
    #: the embedded emulator, whose specification our assumptions are).
    strict: bool | None = None
    #: Workflows (and fuzzed operations) in flight at once against the target.
    concurrency: int = default("concurrency")
    #: Seconds one request may take for its whole answer (not per chunk).
    request_timeout: float = default("request_timeout")
    #: Seconds the whole run may take; None: no limit.
    max_time: float | None = None
    #: Seconds an interrupted test process gets to clean up before it is killed; None:
    #: :attr:`cleanup_seconds` decides.
    cleanup_grace: float | None = None
    #: ``--if-busy``: ``wait`` for another destructive run holding the appliance, or ``refuse``.
    if_busy: str = default("if_busy")
    #: The run's id, set by the run itself: it names what the workflows create.
    run_id: str | None = None
    #: ``N/s``, ``N/m`` or ``N/h``: the most requests the run sends (None: no limit).
    rate_limit: str | None = None
    proxy: str | None = None
    #: ``--api-path``: where the API is mounted below a target URL that names no path.
    api_path: str | None = None
    #: Extra headers sent with every request to the appliance.
    headers: Mapping[str, str] = field(default_factory=dict)
    #: What the embedded emulator plays (``--fault``, ``--condition``, ...): no target only.
    faults: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    release_variant: str | None = None
    latency_ms: int = default("latency_ms")
    #: Seconds the embedded emulator's jobs run; None: the emulator's own default.
    job_duration: float | None = None

    @property
    def emulator_options(self) -> list[str]:
        """The names of the embedded emulator's options that are set."""
        return [
            option.name
            for option in OPTIONS
            if option.group == "emulator" and getattr(self, option.name) != option.default
        ]

    @property
    def cleanup_seconds(self) -> float:
        """What an interrupted test process gets to clean up: ``--cleanup-grace``, else
        enough for a cleanup that waits for a running job and then for one of its own
        (each up to ``--job-timeout``), plus a minute for its calls."""
        if self.cleanup_grace is not None:
            return self.cleanup_grace
        return CLEANUP_CALLS_SECONDS + 2 * self.job_timeout

    @property
    def requests_per_second(self) -> float | None:
        """The rate limit as requests per second, or None."""
        return rate_per_second(self.rate_limit) if self.rate_limit else None


def add_connection_arguments(parser: argparse.ArgumentParser, target_help: str) -> None:
    """How to reach and talk to an appliance: the options of every command that does."""
    option_table.add_options(parser, "connection", helps={"target": target_help})


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by `fuzz`, `scenarios` and `run`."""
    add_connection_arguments(
        parser,
        "appliance base URL, e.g. https://scv.lab:8144/api (default: start the embedded emulator)",
    )
    option_table.add_options(parser, "run")


def add_overlay_argument(parser: argparse.ArgumentParser) -> None:
    """``--overlay FILE`` (repeatable): Overlay 1.0 documents applied to the contract."""
    option_table.add_option(parser, "overlays", in_section=False)


def resolve(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Settings:
    """Merge flags, environment and configuration file into validated settings."""
    environ = os.environ if environ is None else environ
    flags = {k: v for k, v in vars(args).items() if v is not None}
    config_path = flags.get("config") or environ.get(ENVIRONMENT["config"])
    file_values, budgets, inventory = _read_config_file(config_path)
    headers = option_table.headers(file_values.pop("headers", {}), "headers", config=True)
    headers.update(option_table.headers(flags.get("header") or [], "header"))
    merged: dict[str, Any] = dict(DEFAULTS)
    merged.update(file_values)
    merged.update({k: environ[v] for k, v in ENVIRONMENT.items() if v in environ and k != "config"})
    merged.update({k: v for k, v in flags.items() if k in DEFAULTS})
    values = {o.name: o.parse(merged[o.name], o.label) for o in OPTIONS if o.name in DEFAULTS}
    values["target"] = option_table.mounted(values["target"], values["api_path"])
    settings = Settings(
        **values,
        budgets=budgets,
        inventory=inventory,
        config_file=Path(config_path).absolute() if config_path else None,
        headers=headers,
    )
    if settings.target is not None and settings.emulator_options:
        option = option_table.BY_NAME[settings.emulator_options[0]]
        raise UsageError(
            f"{option.flag}: only the embedded emulator plays it, and a run with a target "
            f"starts none: drop {option.flag} ({option.variable}, {option.name} in the config "
            "file) or the target"
        )
    return settings


#: scheme://user:password@host: a URL that carries its credentials
_URL_WITH_CREDENTIALS = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@\s]*@")


def _read_config_file(
    path: str | None,
) -> tuple[dict[str, Any], dict[str, int], dict[str, str]]:
    if not path:
        return {}, {}, {}
    data = load_toml(path, "--config")
    warning = readable_by_others(Path(path)) if _holds_secrets(data) else None
    if warning:
        print(f"scv-conformance: warning: {warning}", file=sys.stderr)
    values = {k.replace("-", "_"): v for k, v in data.items() if not isinstance(v, dict)}
    if isinstance(data.get("headers"), dict):
        values["headers"] = data["headers"]
    unknown = sorted(set(values) - set(DEFAULTS) - {"headers"})
    if unknown:
        raise UsageError(f"--config: unknown setting {unknown[0]!r} in {path}")
    budgets_raw = data.get("budgets", {})
    inventory_raw = data.get("inventory", {})
    if not isinstance(budgets_raw, dict) or not isinstance(inventory_raw, dict):
        raise UsageError(f"--config: [budgets] and [inventory] must be tables in {path}")
    budgets = {
        str(k): option_table.budget_ms(v, f"budgets.{k}") or 0 for k, v in budgets_raw.items()
    }
    inventory = {
        k.replace("-", "_"): _inventory_value(k, v, path) for k, v in inventory_raw.items()
    }
    unknown_inventory = sorted(set(inventory) - set(INVENTORY_KEYS) - set(POOL_KEYS))
    if unknown_inventory:
        raise UsageError(f"--config: unknown inventory name {unknown_inventory[0]!r} in {path}")
    return values, budgets, inventory


def _inventory_value(key: str, value: Any, path: Path | str) -> str:
    """An inventory value as text; a pool's list of names joined by :data:`POOL_SEPARATOR`."""
    if key.replace("-", "_") not in POOL_KEYS:
        return str(value)
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(
        isinstance(n, str) and n.strip() and POOL_SEPARATOR not in n for n in names
    ):
        raise UsageError(f"--config: inventory {key} must be a list of names in {path}")
    return POOL_SEPARATOR.join(n.strip() for n in names)


def _holds_secrets(data: dict[str, Any]) -> bool:
    """The file sets a password, a header (which may be a key) or a URL with credentials."""
    if any("password" in key for key in data) or data.get("headers"):
        return True
    return any(isinstance(v, str) and _URL_WITH_CREDENTIALS.match(v) for v in data.values())


def readable_by_others(path: Path) -> str | None:
    """A warning when the config file (which may hold passwords) is open to other users."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if not mode & 0o077:
        return None
    return (
        f"{path} is readable by other users (mode {mode & 0o777:o}) and may hold "
        f"passwords: chmod 600 {path}"
    )
