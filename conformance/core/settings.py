"""Run settings: one place that reads flags, environment variables and the TOML file.

Precedence: flags win over environment variables, which win over the configuration file,
which wins over the defaults.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from conformance.core.contract import release_key
from conformance.core.errors import UsageError

#: Option name -> environment variable.
ENVIRONMENT = {
    "target": "SCV_TARGET",
    "vcenter": "SCV_VCENTER",
    "username": "SCV_USERNAME",
    "password": "SCV_PASSWORD",
    "tls_verify": "SCV_TLS_VERIFY",
    "appliance_version": "SCV_APPLIANCE_VERSION",
    "allow_destructive": "SCV_ALLOW_DESTRUCTIVE",
    "seed": "SCV_SEED",
    "max_examples": "SCV_MAX_EXAMPLES",
    "report_dir": "SCV_REPORT_DIR",
    "job_timeout": "SCV_JOB_TIMEOUT",
    "response_time_budget_ms": "SCV_RESPONSE_TIME_BUDGET_MS",
    "config": "SCV_CONFIG",
    "overlays": "SCV_OVERLAYS",
    "concurrency": "SCV_CONCURRENCY",
}

DEFAULTS: dict[str, Any] = {
    "target": None,
    "vcenter": None,
    "username": None,
    "password": None,
    "tls_verify": True,
    "appliance_version": None,
    "allow_destructive": False,
    "seed": None,
    "max_examples": None,
    "report_dir": "reports",
    "job_timeout": 120.0,
    "response_time_budget_ms": 1000,
    "overlays": (),
    "concurrency": 4,
}

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
)


@dataclass(frozen=True)
class Settings:
    """Everything a fuzz, scenario or full run needs to know about its target."""

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
    #: Workflows (and fuzzed operations) in flight at once against the target.
    concurrency: int = 4


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by `fuzz`, `scenarios` and `run`."""
    sup = argparse.SUPPRESS
    parser.add_argument(
        "--target",
        default=sup,
        metavar="URL",
        help="appliance base URL, e.g. https://scv.lab:8144/api "
        "(default: start the embedded emulator)",
    )
    parser.add_argument(
        "--vcenter",
        default=sup,
        metavar="URL",
        help="vCenter URL for inventory look-ups, e.g. https://vcenter.lab",
    )
    parser.add_argument("--username", default=sup, metavar="U", help="vCenter user name")
    parser.add_argument(
        "--password",
        default=sup,
        metavar="P",
        help="vCenter password (prefer SCV_PASSWORD or the config file)",
    )
    parser.add_argument("--config", default=sup, metavar="FILE", help="TOML configuration file")
    parser.add_argument(
        "--tls-verify",
        default=sup,
        metavar="PATH|false",
        help="CA bundle to verify the appliance's certificate, or false",
    )
    parser.add_argument(
        "--appliance-version",
        default=sup,
        metavar="V",
        help="appliance release; operations newer than it are skipped",
    )
    parser.add_argument(
        "--allow-destructive",
        action="store_true",
        default=sup,
        help="against a real appliance, also run operations that change state",
    )
    parser.add_argument("--seed", default=sup, metavar="N", help="seed that replays a run")
    parser.add_argument(
        "--max-examples", default=sup, metavar="N", help="generated cases per operation"
    )
    parser.add_argument(
        "--report-dir",
        default=sup,
        metavar="DIR",
        help="where reports are written (default: reports)",
    )
    parser.add_argument(
        "--concurrency",
        default=sup,
        metavar="N",
        help="independent workflows, and fuzzed operations, in flight at once (default: 4; "
        "1 runs one after another)",
    )
    add_overlay_argument(parser)


def add_overlay_argument(parser: argparse.ArgumentParser) -> None:
    """``--overlay FILE`` (repeatable): Overlay 1.0 documents applied to the contract."""
    parser.add_argument(
        "--overlay",
        dest="overlays",
        action="append",
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="an OpenAPI Overlay 1.0 document applied to the contract (repeatable, in order)",
    )


def resolve(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Settings:
    """Merge flags, environment and configuration file into validated settings."""
    environ = os.environ if environ is None else environ
    flags = {k: v for k, v in vars(args).items() if v is not None}
    config_path = flags.get("config") or environ.get(ENVIRONMENT["config"])
    file_values, budgets, inventory = _read_config_file(config_path)
    merged: dict[str, Any] = dict(DEFAULTS)
    merged.update(file_values)
    merged.update({k: environ[v] for k, v in ENVIRONMENT.items() if v in environ and k != "config"})
    merged.update({k: v for k, v in flags.items() if k in DEFAULTS})
    return Settings(
        target=normalize_target(merged["target"]),
        vcenter=_normalize_url(merged["vcenter"], "vcenter"),
        username=_optional_str(merged["username"]),
        password=_optional_str(merged["password"]),
        tls_verify=parse_tls_verify(merged["tls_verify"]),
        appliance_version=_parse_version(merged["appliance_version"]),
        allow_destructive=_parse_bool(merged["allow_destructive"], "allow-destructive"),
        seed=_parse_int(merged["seed"], "seed", minimum=0),
        max_examples=_parse_int(merged["max_examples"], "max-examples", minimum=1),
        report_dir=Path(str(merged["report_dir"])).absolute(),
        job_timeout=_parse_float(merged["job_timeout"], "job-timeout"),
        response_time_budget_ms=_parse_int(
            merged["response_time_budget_ms"], "response-time-budget-ms", minimum=1
        )
        or 1000,
        budgets=budgets,
        inventory=inventory,
        config_file=Path(config_path).absolute() if config_path else None,
        overlays=parse_overlays(merged["overlays"]),
        concurrency=_parse_int(merged["concurrency"], "concurrency", minimum=1) or 1,
    )


def normalize_target(value: Any) -> str | None:
    """``https://scv.lab:8144`` -> ``https://scv.lab:8144/api``; other paths are kept."""
    url = _normalize_url(value, "target")
    if url is None:
        return None
    parts = urlsplit(url)
    path = parts.path.rstrip("/") or "/api"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def parse_tls_verify(value: Any) -> bool | str:
    """``false``/``true`` or the absolute path of an existing CA bundle.

    A relative path is taken from the current folder: the one the user ran the command in.
    """
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lower() in {"false", "0", "no", "off"}:
        return False
    if text.lower() in {"true", "1", "yes", "on", ""}:
        return True
    if not Path(text).is_file():
        raise UsageError(f"--tls-verify: no CA bundle at {text} (give a file path or false)")
    return str(Path(text).absolute())


def parse_overlays(value: Any) -> tuple[Path, ...]:
    """Overlay files from a flag list, a config list or ``SCV_OVERLAYS`` (os.pathsep)."""
    if not value:
        return ()
    items = value.split(os.pathsep) if isinstance(value, str) else list(value)
    paths = tuple(Path(str(item)).absolute() for item in items if str(item).strip())
    for path in paths:
        if not path.is_file():
            raise UsageError(f"--overlay: no such file: {path}")
    return paths


def _read_config_file(
    path: str | None,
) -> tuple[dict[str, Any], dict[str, int], dict[str, str]]:
    if not path:
        return {}, {}, {}
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"--config: no such file: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--config: {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"--config: cannot read {path}: {exc.strerror}") from None
    values = {k.replace("-", "_"): v for k, v in data.items() if not isinstance(v, dict)}
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise UsageError(f"--config: unknown setting {unknown[0]!r} in {path}")
    budgets_raw = data.get("budgets", {})
    inventory_raw = data.get("inventory", {})
    if not isinstance(budgets_raw, dict) or not isinstance(inventory_raw, dict):
        raise UsageError(f"--config: [budgets] and [inventory] must be tables in {path}")
    budgets = {
        str(k): _parse_int(v, f"budgets.{k}", minimum=1) or 0 for k, v in budgets_raw.items()
    }
    inventory = {k.replace("-", "_"): str(v) for k, v in inventory_raw.items()}
    unknown_inventory = sorted(set(inventory) - set(INVENTORY_KEYS))
    if unknown_inventory:
        raise UsageError(f"--config: unknown inventory name {unknown_inventory[0]!r} in {path}")
    return values, budgets, inventory


def _normalize_url(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UsageError(f"--{name}: not an http(s) URL: {text}")
    return text.rstrip("/")


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _parse_version(value: Any) -> str | None:
    if value is None:
        return None
    try:
        release_key(str(value))
    except ValueError:
        raise UsageError(f"--appliance-version: not a release number: {value}") from None
    return str(value)


def _parse_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise UsageError(f"--{name}: expected true or false, got {value}")


def _parse_int(value: Any, name: str, minimum: int) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UsageError(f"--{name}: not a whole number: {value}") from None
    if number < minimum:
        raise UsageError(f"--{name}: must be at least {minimum}, got {number}")
    return number


def _parse_float(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"--{name}: not a number of seconds: {value}") from None
    if number <= 0:
        raise UsageError(f"--{name}: must be positive, got {value}")
    return number
