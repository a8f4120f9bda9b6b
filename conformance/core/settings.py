"""Run settings: one place that reads flags, environment variables and the TOML file.

Precedence: flags win over environment variables, which win over the configuration file,
which wins over the defaults.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from conformance.contract.spec import release_key
from conformance.core.errors import UsageError
from conformance.core.inputs import load_toml

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
    "request_timeout": "SCV_REQUEST_TIMEOUT",
    "max_time": "SCV_MAX_TIME",
    "cleanup_grace": "SCV_CLEANUP_GRACE",
    "rate_limit": "SCV_RATE_LIMIT",
    "proxy": "SCV_PROXY",
    "config": "SCV_CONFIG",
    "overlays": "SCV_OVERLAYS",
    "strict": "SCV_STRICT",
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
    "rate_limit": None,
    "proxy": None,
    "overlays": (),
    "strict": None,
    "concurrency": 8,
    "request_timeout": 60.0,
    "max_time": None,
    "cleanup_grace": None,
}

#: Rate limit units: ``10/s``, ``600/m``, ``1000/h`` (as schemathesis' ``--rate-limit``).
RATE_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
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
)
#: Inventory names that list more objects like another one (``vms`` beside ``vm``), so that
#: workflows on that kind of object need not wait for each other (conformance.scenarios.pools).
POOL_KEYS = ("vms", "datastores")
#: How a pool's names are kept in one inventory value (a name holds no line break).
POOL_SEPARATOR = "\n"


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
    #: ``--strict``: deviations fail the run; None leaves it to the target (strict against
    #: the embedded emulator, whose specification our assumptions are).
    strict: bool | None = None
    #: Workflows (and fuzzed operations) in flight at once against the target.
    concurrency: int = 8
    #: Seconds one request may take for its whole answer (not per chunk).
    request_timeout: float = 60.0
    #: Seconds the whole run may take; None: no limit.
    max_time: float | None = None
    #: Seconds an interrupted test process gets to clean up before it is killed; None:
    #: :attr:`cleanup_seconds` decides.
    cleanup_grace: float | None = None
    #: The run's id, set by the run itself: it names what the workflows create.
    run_id: str | None = None
    #: ``N/s``, ``N/m`` or ``N/h``: the most requests the run sends (None: no limit).
    rate_limit: str | None = None
    proxy: str | None = None
    #: Extra headers sent with every request to the appliance.
    headers: Mapping[str, str] = field(default_factory=dict)

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
    sup = argparse.SUPPRESS
    parser.add_argument("--target", default=sup, metavar="URL", help=target_help)
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
        "--request-timeout",
        default=sup,
        metavar="S",
        help="seconds a whole answer may take (default: 60)",
    )
    parser.add_argument(
        "--rate-limit",
        default=sup,
        metavar="N/UNIT",
        help="at most N requests per second, minute or hour over the whole run, "
        "e.g. 10/s or 600/m (default: no limit)",
    )
    parser.add_argument(
        "--header",
        action="append",
        default=sup,
        metavar="'NAME: VALUE'",
        help="an extra header on every request to the appliance (repeatable; "
        "values of secret-looking names are redacted)",
    )
    parser.add_argument(
        "--proxy",
        default=sup,
        metavar="URL",
        help="send every request to the appliance through URL",
    )
    add_overlay_argument(parser)


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by `fuzz`, `scenarios` and `run`."""
    sup = argparse.SUPPRESS
    add_connection_arguments(
        parser,
        "appliance base URL, e.g. https://scv.lab:8144/api (default: start the embedded emulator)",
    )
    parser.add_argument(
        "--vcenter",
        default=sup,
        metavar="URL",
        help="vCenter URL for inventory look-ups, e.g. https://vcenter.lab",
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
        help="independent workflows, and fuzzed operations, in flight at once (default: 8; "
        "1 runs one after another)",
    )
    parser.add_argument(
        "--max-time",
        default=sup,
        metavar="SECONDS",
        help="end the run after this many seconds, reports marked interrupted (exit 3)",
    )
    parser.add_argument(
        "--cleanup-grace",
        default=sup,
        metavar="S",
        help="seconds an interrupted run may spend cleaning up before it is killed "
        "(default: 60 + twice --job-timeout, so a cleanup can wait for a running job)",
    )
    parser.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=sup,
        help="deviations from our assumptions fail the run (default: only against the "
        "embedded emulator)",
    )


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
    headers = {**_parse_headers(file_values.pop("headers", {}), "headers", config=True)}
    headers.update(_parse_headers(flags.get("header") or [], "header"))
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
        rate_limit=_parse_rate_limit(merged["rate_limit"]),
        proxy=_normalize_url(merged["proxy"], "proxy"),
        headers=headers,
        overlays=parse_overlays(merged["overlays"]),
        strict=None if merged["strict"] is None else _parse_bool(merged["strict"], "strict"),
        concurrency=_parse_int(merged["concurrency"], "concurrency", minimum=1) or 1,
        request_timeout=_parse_float(merged["request_timeout"], "request-timeout"),
        max_time=None
        if merged["max_time"] is None
        else _parse_float(merged["max_time"], "max-time"),
        cleanup_grace=(
            None
            if merged["cleanup_grace"] is None
            else _parse_float(merged["cleanup_grace"], "cleanup-grace")
        ),
    )


def rate_per_second(text: str) -> float:
    """``10/s`` -> 10.0, ``600/m`` -> 10.0; ValueError when it is neither."""
    count, _, unit = text.strip().partition("/")
    number = int(count)
    if number < 1 or unit.strip() not in RATE_UNITS:
        raise ValueError(text)
    return number / RATE_UNITS[unit.strip()]


def _parse_rate_limit(value: Any) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        rate_per_second(text)
    except ValueError:
        raise UsageError(
            f"--rate-limit: expected N/s, N/m or N/h with N at least 1, got {text}"
        ) from None
    return text


def _parse_headers(values: Any, name: str, config: bool = False) -> dict[str, str]:
    """``["Name: value", ...]`` (or a config table) -> {name: value}."""
    if config and isinstance(values, dict):
        return {str(k): str(v) for k, v in values.items()}
    headers = {}
    for raw in values if isinstance(values, list) else [values]:
        header, colon, value = str(raw).partition(":")
        header = header.strip()
        if not colon or not header or any(c.isspace() for c in header):
            raise UsageError(f"--{name}: expected 'Name: value', got {raw!r}")
        headers[header] = value.strip()
    return headers


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
    warning = readable_by_others(Path(path))
    if warning:
        print(f"scv-conformance: warning: {warning}", file=sys.stderr)
    data = load_toml(path, "--config")
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
        str(k): _parse_int(v, f"budgets.{k}", minimum=1) or 0 for k, v in budgets_raw.items()
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
