"""Every option of a run, declared once: its name (the settings field and the TOML key),
flag, environment variable, type, default, help, bounds and whether it enters the run
manifest.

The command line (:func:`add_options`), the configuration file and the environment
(:func:`conformance.core.settings.resolve`), the settings' defaults, the run manifest and
the child's context all read this table; ``tests/core/test_option_table.py`` fails when two of
them disagree.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from conformance.contract.spec import release_key
from conformance.core.errors import UsageError
from conformance.core.help_sections import section

#: Rate limit units: ``10/s``, ``600/m``, ``1000/h`` (as schemathesis' ``--rate-limit``).
RATE_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}

#: Upper bounds: far above what a run against one appliance needs, low enough that a typo
#: (``concurrency = 100000000``) is a usage error instead of a run that never ends.
MAX_CONCURRENCY = 64
MAX_EXAMPLES = 100_000
MAX_SEED = 2**31 - 1
MAX_REQUEST_SECONDS = 3600.0
MAX_JOB_SECONDS = 6 * 3600.0
MAX_CLEANUP_SECONDS = 24 * 3600.0
MAX_RUN_SECONDS = 7 * 24 * 3600.0
MAX_BUDGET_MS = 3_600_000
MAX_LATENCY_MS = 60_000


class Manifested(Enum):
    """How an option reaches the child pytest."""

    #: Written into the run manifest as it is; the child's settings read it back.
    AS_IS = "as-is"
    #: The manifest holds what it resolves to (the target's URL without credentials, the
    #: resolved ``--strict``, this process's share of the rate limit, ...).
    DERIVED = "derived"
    #: Only the parent uses it (where reports go, the run's time limit, ...) or it is a
    #: secret that travels in the child's environment.
    NO = "no"


#: A value parser: (raw value, its flag's name without dashes) -> the setting's value;
#: UsageError (one line) when the value is not one.
Parser = Callable[[Any, str], Any]


@dataclass(frozen=True)
class Option:
    """One option of a run."""

    name: str
    help: str
    parse: Parser
    default: Any = None
    #: What the help says the default is, when not the value itself.
    shown_default: str | None = None
    metavar: str | None = None
    #: The argparse group it belongs to: "connection" (every command that talks to an
    #: appliance), "run" (fuzz, scenarios, run, certify), "jobs" (where jobs are started),
    #: "emulator" (run, fuzz and scenarios: what their embedded emulator plays), or None
    #: (no flag: the configuration file and the environment only).
    group: str | None = "run"
    #: The section of ``--help`` it is listed in (a key of
    #: :data:`conformance.core.help_sections.SECTIONS`): where a user looks for it.
    section: str | None = None
    #: argparse action: None (a value), "store_true", "boolean" (--x / --no-x), "append".
    action: str | None = None
    #: The flag when it is not ``--`` + the name with dashes.
    flag_name: str | None = None
    #: A one-letter alias, as ``st run`` spells the same option (``-n``, ``-w``, ``-H``).
    short_flag: str | None = None
    #: Where argparse keeps it when not under the name.
    dest: str | None = None
    #: An environment variable (``SCV_`` + NAME) sets it.
    environment: bool = True
    #: A key of the configuration file sets it.
    config: bool = True
    manifest: Manifested = Manifested.NO
    #: What a value must be, for the documentation (numbers say their bounds themselves).
    accepts_text: str = ""

    @property
    def accepts(self) -> str:
        return self.accepts_text or str(getattr(self.parse, "accepts", ""))

    @property
    def flag(self) -> str | None:
        if self.group is None:
            return None
        return self.flag_name or "--" + self.name.replace("_", "-")

    @property
    def label(self) -> str:
        """How messages name it: the flag without dashes, or the name with dashes."""
        return (self.flag or self.name.replace("_", "-")).lstrip("-")

    @property
    def variable(self) -> str | None:
        return f"SCV_{self.name.upper()}" if self.environment else None

    @property
    def full_help(self) -> str:
        """The help with the default, derived from the declared default."""
        shown = self.shown_default if self.shown_default is not None else _shown(self.default)
        return f"{self.help} (default: {shown})" if shown else self.help


def _shown(value: Any) -> str | None:
    if value is None or isinstance(value, bool) or value == ():
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- value parsers: one line and exit 2 for a value that is not one ----------------------


@dataclass(frozen=True)
class Whole:
    """A whole number in [minimum, maximum]; None stays None."""

    minimum: int
    maximum: int

    @property
    def accepts(self) -> str:
        return f"{self.minimum} to {self.maximum}"

    def __call__(self, value: Any, name: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool):
            raise UsageError(f"--{name}: not a whole number: {value}")
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):
            raise UsageError(f"--{name}: not a whole number: {value}") from None
        if number < self.minimum:
            raise UsageError(f"--{name}: must be at least {self.minimum}, got {number}")
        if number > self.maximum:
            raise UsageError(f"--{name}: must be at most {self.maximum}, got {number}")
        return number


@dataclass(frozen=True)
class Seconds:
    """A finite, positive number of seconds up to ``maximum``; ``optional``: None stays
    None (no limit). ``nan`` and ``inf`` are refused: either would switch a deadline off."""

    maximum: float
    optional: bool = False

    @property
    def accepts(self) -> str:
        return f"seconds, > 0, ≤ {self.maximum:g}"

    def __call__(self, value: Any, name: str) -> float | None:
        if value is None and self.optional:
            return None
        if isinstance(value, bool):
            raise UsageError(f"--{name}: not a number of seconds: {value}")
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise UsageError(f"--{name}: not a number of seconds: {value}") from None
        if not math.isfinite(number):
            raise UsageError(f"--{name}: must be a finite number of seconds, got {value}")
        if number <= 0:
            raise UsageError(f"--{name}: must be positive, got {value}")
        if number > self.maximum:
            raise UsageError(f"--{name}: must be at most {self.maximum:g} seconds, got {value}")
        return number


def boolean(value: Any, name: str) -> bool:
    """``true``/``false`` (and 1/0, yes/no, on/off)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise UsageError(f"--{name}: expected true or false, got {value}")


@dataclass(frozen=True)
class Choice:
    """One of a few words."""

    words: tuple[str, ...]

    @property
    def accepts(self) -> str:
        return " or ".join(f"`{word}`" for word in self.words)

    def __call__(self, value: Any, name: str) -> str:
        word = str(value).strip().lower()
        if word not in self.words:
            raise UsageError(f"--{name}: expected {' or '.join(self.words)}, got {value}")
        return word


def optional_boolean(value: Any, name: str) -> bool | None:
    return None if value is None else boolean(value, name)


def text(value: Any, name: str) -> str | None:
    return None if value is None else str(value)


def url(value: Any, name: str) -> str | None:
    """An http(s) URL without a trailing slash; None or empty stays None."""
    if value is None or value == "":
        return None
    raw = str(value).strip()
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UsageError(f"--{name}: not an http(s) URL: {raw}")
    return raw.rstrip("/")


#: Where an SCV appliance serves its API below its origin.
DEFAULT_API_PATH = "/api"


def target_address(value: Any, name: str = "target") -> str | None:
    """An http(s) URL without query or fragment, its path as given (:func:`mounted` adds
    the API's path when it has none)."""
    normalized = url(value, name)
    if normalized is None:
        return None
    parts = urlsplit(normalized)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def target_url(value: Any, name: str = "target", api: str | None = None) -> str | None:
    """``https://scv.lab:8144`` -> ``https://scv.lab:8144/api``; other paths are kept;
    ``api`` is ``--api-path`` (:func:`mounted`)."""
    return mounted(target_address(value, name), api)


def api_path(value: Any, name: str = "api-path") -> str | None:
    """``/`` or ``/segments`` (no trailing slash, query or blanks); None or empty stays None."""
    if value is None or value == "":
        return None
    raw = str(value).strip()
    if not raw.startswith("/") or any(c in raw for c in "?#") or any(c.isspace() for c in raw):
        raise UsageError(f"--{name}: expected a path such as /api or /, got {raw!r}")
    return raw.rstrip("/") or "/"


def mounted(target: str | None, path: str | None) -> str | None:
    """The API's base URL: the target URL's own path, else ``path`` below its origin.

    ``https://scv.lab:8144`` -> ``https://scv.lab:8144/api`` (the appliance's layout);
    with ``path`` ``/`` (a gateway or validating proxy that serves the API at its root)
    the origin itself. A target URL that names a path and a ``path`` that differs is a
    usage error: the API's place is said once.
    """
    if target is None:
        return None
    parts = urlsplit(target)
    own = parts.path.rstrip("/")
    if own and path is not None and path != own:
        raise UsageError(
            f"--api-path: {path} differs from the path of the target URL ({own}); "
            "give the API's path once"
        )
    base = own or ("" if path == "/" else path or DEFAULT_API_PATH)
    return urlunsplit((parts.scheme, parts.netloc, base, "", ""))


def tls_verify(value: Any, name: str = "tls-verify") -> bool | str:
    """``false``/``true`` or the absolute path of an existing CA bundle.

    A relative path is taken from the current folder: the one the user ran the command in.
    """
    if isinstance(value, bool):
        return value
    raw = str(value).strip()
    if raw.lower() in {"false", "0", "no", "off"}:
        return False
    if raw.lower() in {"true", "1", "yes", "on", ""}:
        return True
    if not Path(raw).is_file():
        raise UsageError(f"--{name}: no CA bundle at {raw} (give a file path or false)")
    return str(Path(raw).absolute())


def release(value: Any, name: str) -> str | None:
    if value is None:
        return None
    try:
        release_key(str(value))
    except ValueError:
        raise UsageError(f"--{name}: not a release number: {value}") from None
    return str(value)


def folder(value: Any, name: str) -> Path:
    return Path(str(value)).absolute()


def overlays(value: Any, name: str = "overlay") -> tuple[Path, ...]:
    """Overlay files from a flag list, a config list or ``SCV_OVERLAYS`` (os.pathsep)."""
    if not value:
        return ()
    items = value.split(os.pathsep) if isinstance(value, str) else list(value)
    paths = tuple(Path(str(item)).absolute() for item in items if str(item).strip())
    for path in paths:
        if not path.is_file():
            raise UsageError(f"--overlay: no such file: {path}")
    return paths


def names(value: Any, name: str) -> tuple[str, ...]:
    """Names from a repeated flag, a config list or an environment variable (comma
    separated), each once, in order. Which names exist is the emulator's to say
    (``conformance.run.target``): this package does not know the emulator."""
    if not value:
        return ()
    items = str(value).split(",") if isinstance(value, str) else [str(v) for v in value]
    return tuple(dict.fromkeys(item.strip() for item in items if item.strip()))


@dataclass(frozen=True)
class Milliseconds:
    """A whole number of milliseconds, 0 to ``maximum``."""

    maximum: int

    @property
    def accepts(self) -> str:
        return f"0 to {self.maximum} ms"

    def __call__(self, value: Any, name: str) -> int:
        number = Whole(0, self.maximum)(value, name)
        return number or 0


def rate_per_second(value: str) -> float:
    """``10/s`` -> 10.0, ``600/m`` -> 10.0; ValueError when it is neither."""
    count, _, unit = value.strip().partition("/")
    number = int(count)
    if number < 1 or unit.strip() not in RATE_UNITS:
        raise ValueError(value)
    return number / RATE_UNITS[unit.strip()]


def rate_limit(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    raw = str(value).strip()
    try:
        rate_per_second(raw)
    except ValueError:
        raise UsageError(
            f"--{name}: expected N/s, N/m or N/h with N at least 1, got {raw}"
        ) from None
    return raw


def headers(values: Any, name: str = "header", config: bool = False) -> dict[str, str]:
    """``["Name: value", ...]`` (or a config table) -> {name: value}. A name or value with a
    line break (CR or LF) or NUL would end the header early: a usage error."""
    if config and isinstance(values, dict):
        pairs = [(str(k), str(v), f"{k} = {v!r}") for k, v in values.items()]
    else:
        pairs = []
        for raw in values if isinstance(values, list) else [values]:
            header, colon, value = str(raw).partition(":")
            if not colon or not header.strip() or any(c.isspace() for c in header.strip()):
                raise UsageError(f"--{name}: expected 'Name: value', got {raw!r}")
            pairs.append((header.strip(), value.strip(), repr(raw)))
    result = {}
    for header, value, shown in pairs:
        if any(c in header + value for c in "\r\n\0"):
            raise UsageError(f"--{name}: a header may not hold a line break or NUL: {shown}")
        result[header] = value
    return result


# -- the table ------------------------------------------------------------------------------

OPTIONS: tuple[Option, ...] = (
    # how to reach and talk to an appliance
    Option(
        "target",
        "appliance base URL",
        target_address,
        group="connection",
        metavar="URL",
        manifest=Manifested.DERIVED,
        accepts_text="an http(s) URL",
        section="target",
    ),
    Option(
        "api_path",
        "where the API is mounted when the target URL names no path: "
        "/ for a gateway or validating proxy that serves it at its root",
        api_path,
        shown_default=DEFAULT_API_PATH,
        group="connection",
        metavar="PATH",
        accepts_text="`/` or a path such as `/api`",
        section="target",
    ),
    Option(
        "username",
        "vCenter user name",
        text,
        group="connection",
        metavar="U",
        manifest=Manifested.DERIVED,
        section="target",
    ),
    Option(
        "password",
        "vCenter password (prefer SCV_PASSWORD or the config file)",
        text,
        group="connection",
        metavar="P",
        section="target",
    ),
    Option(
        "config",
        "TOML configuration file",
        text,
        group="connection",
        metavar="FILE",
        config=False,
        section="target",
    ),
    Option(
        "tls_verify",
        "CA bundle to verify the appliance's certificate, or false",
        tls_verify,
        default=True,
        group="connection",
        metavar="PATH|false",
        manifest=Manifested.DERIVED,
        accepts_text="`true`, `false` or a CA bundle file",
        section="target",
    ),
    Option(
        "request_timeout",
        "seconds a whole answer may take",
        Seconds(MAX_REQUEST_SECONDS),
        default=60.0,
        group="connection",
        metavar="S",
        manifest=Manifested.AS_IS,
        section="limits",
    ),
    Option(
        "rate_limit",
        "at most N requests per second, minute or hour over the whole run, e.g. 10/s or 600/m",
        rate_limit,
        shown_default="no limit",
        group="connection",
        metavar="N/UNIT",
        manifest=Manifested.DERIVED,
        accepts_text="`N/s`, `N/m` or `N/h`, N ≥ 1",
        section="limits",
    ),
    Option(
        "headers",
        "an extra header on every request to the appliance (repeatable; "
        "values of secret-looking names are redacted)",
        headers,
        group="connection",
        action="append",
        flag_name="--header",
        dest="header",
        metavar="'NAME: VALUE'",
        environment=False,
        manifest=Manifested.DERIVED,
        accepts_text="no CR, LF or NUL",
        short_flag="-H",
        section="target",
    ),
    Option(
        "proxy",
        "send every request to the appliance through URL",
        url,
        group="connection",
        metavar="URL",
        manifest=Manifested.DERIVED,
        accepts_text="an http(s) URL",
        section="target",
    ),
    Option(
        "overlays",
        "an OpenAPI Overlay 1.0 document applied to the contract (repeatable, in order)",
        overlays,
        default=(),
        group="connection",
        action="append",
        flag_name="--overlay",
        metavar="FILE",
        manifest=Manifested.DERIVED,
        accepts_text="existing files",
        section="verdicts",
    ),
    # what runs against it
    Option(
        "vcenter",
        "vCenter URL for inventory look-ups, e.g. https://vcenter.lab",
        url,
        metavar="URL",
        manifest=Manifested.DERIVED,
        accepts_text="an http(s) URL",
        section="target",
    ),
    Option(
        "appliance_version",
        "appliance release; operations newer than it are skipped",
        release,
        metavar="V",
        manifest=Manifested.DERIVED,
        accepts_text="a release, e.g. `5.0`",
        section="target",
    ),
    Option(
        "allow_destructive",
        "against a real appliance, also run operations that change state",
        boolean,
        default=False,
        action="store_true",
        manifest=Manifested.AS_IS,
        accepts_text="`true` or `false`",
        section="safety",
    ),
    Option(
        "seed",
        "seed that replays a run",
        Whole(0, MAX_SEED),
        metavar="N",
        manifest=Manifested.AS_IS,
        section="selection",
    ),
    Option(
        "max_examples",
        "generated cases per operation",
        Whole(1, MAX_EXAMPLES),
        metavar="N",
        shown_default="the profile's",
        manifest=Manifested.AS_IS,
        short_flag="-n",
        section="selection",
    ),
    Option(
        "report_dir",
        "where reports are written",
        folder,
        default="reports",
        metavar="DIR",
        section="reports",
    ),
    Option(
        "concurrency",
        "independent workflows, and fuzzed operations, in flight at once "
        "(1 runs one after another)",
        Whole(1, MAX_CONCURRENCY),
        default=8,
        metavar="N",
        manifest=Manifested.AS_IS,
        short_flag="-w",
        section="limits",
    ),
    Option(
        "max_time",
        "end the run after this many seconds, reports marked interrupted (exit 3)",
        Seconds(MAX_RUN_SECONDS, optional=True),
        metavar="SECONDS",
        shown_default="no limit",
        section="limits",
    ),
    Option(
        "cleanup_grace",
        "seconds an interrupted run may spend cleaning up before it is killed",
        Seconds(MAX_CLEANUP_SECONDS, optional=True),
        metavar="S",
        shown_default="60 + twice --job-timeout, so a cleanup can wait for a running job",
        section="safety",
    ),
    Option(
        "if_busy",
        "when another destructive run holds the appliance: wait for it (within --max-time) "
        "or refuse at once; either way exit 3 if it stays busy",
        Choice(("wait", "refuse")),
        default="wait",
        metavar="wait|refuse",
        section="safety",
    ),
    Option(
        "strict",
        "deviations from our assumptions fail the run",
        optional_boolean,
        action="boolean",
        shown_default="only against the embedded emulator",
        manifest=Manifested.DERIVED,
        accepts_text="`true` or `false`",
        section="verdicts",
    ),
    # what the embedded emulator plays (no --target)
    Option(
        "faults",
        "the embedded emulator deviates on purpose, so the run fails on it (repeatable)",
        names,
        default=(),
        group="emulator",
        action="append",
        flag_name="--fault",
        metavar="NAME",
        section="emulator",
        accepts_text="faults of `emulate --fault` (in the variable: comma-separated)",
    ),
    Option(
        "conditions",
        "the embedded emulator plays legitimate behaviour a client must survive (repeatable)",
        names,
        default=(),
        group="emulator",
        action="append",
        flag_name="--condition",
        metavar="NAME",
        section="emulator",
        accepts_text="conditions of `emulate --condition` (in the variable: comma-separated)",
    ),
    Option(
        "release_variant",
        "the embedded emulator plays a later release with documented changes",
        text,
        group="emulator",
        metavar="NAME",
        section="emulator",
        accepts_text="variants of `emulate --release-variant`",
    ),
    Option(
        "latency_ms",
        "delay every answer by N ms, as a slow appliance",
        Milliseconds(MAX_LATENCY_MS),
        default=0,
        group="emulator",
        metavar="N",
        section="emulator",
    ),
    Option(
        "job_duration",
        "seconds each job runs",
        Seconds(MAX_JOB_SECONDS, optional=True),
        shown_default="0.3",
        group="emulator",
        metavar="S",
        section="emulator",
    ),
    # where jobs are started
    Option(
        "job_timeout",
        "seconds a started job may take to finish",
        Seconds(MAX_JOB_SECONDS),
        default=120.0,
        group="jobs",
        metavar="S",
        manifest=Manifested.AS_IS,
        section="limits",
    ),
    # the configuration file and the environment only
    Option(
        "response_time_budget_ms",
        "milliseconds an answer may take, per operation ([budgets] overrides it per operationId)",
        Whole(1, MAX_BUDGET_MS),
        default=1000,
        group=None,
        manifest=Manifested.AS_IS,
        section="limits",
    ),
)

BY_NAME: Mapping[str, Option] = {option.name: option for option in OPTIONS}
#: The ``[budgets]`` table's values: milliseconds per operationId.
budget_ms = Whole(1, MAX_BUDGET_MS)


def default(name: str) -> Any:
    """The declared default of option ``name``."""
    return BY_NAME[name].default


def add_options(
    parser: argparse.ArgumentParser,
    group: str | Iterable[str],
    *,
    helps: Mapping[str, str] | None = None,
) -> None:
    """Add the flags of ``group`` (one name or several) to ``parser``, each with the help
    its declaration derives (``helps``: another help for some, by name)."""
    groups = {group} if isinstance(group, str) else set(group)
    for option in OPTIONS:
        if option.group in groups:
            add_option(parser, option.name, help=(helps or {}).get(option.name))


def add_option(
    parser: argparse.ArgumentParser,
    name: str,
    *,
    help: str | None = None,
    in_section: bool = True,
) -> None:
    """Add the flag of option ``name``; not given, it is left out of the namespace.
    ``in_section``: listed under its section of ``--help`` (a command with a single option
    of the table lists it among its own)."""
    option = BY_NAME[name]
    assert option.flag is not None, name
    kwargs: dict[str, Any] = {"default": argparse.SUPPRESS, "help": help or option.full_help}
    if option.metavar:
        kwargs["metavar"] = option.metavar
    if option.action == "store_true":
        kwargs["action"] = "store_true"
    elif option.action == "boolean":
        kwargs["action"] = argparse.BooleanOptionalAction
    elif option.action == "append":
        kwargs["action"] = "append"
    if option.flag_name:
        kwargs["dest"] = option.dest or option.name
    container = section(parser, option.section) if option.section and in_section else parser
    flags = [option.short_flag, option.flag] if option.short_flag else [option.flag]
    container.add_argument(*flags, **kwargs)


def markdown_table() -> str:
    """The table of every option (docs/real-appliance.md holds it; a test compares)."""
    rows = [
        "| flag | environment | config file key | default | accepted |",
        "|---|---|---|---|---|",
    ]
    for option in OPTIONS:
        flag = f"`{option.flag} {option.metavar}`" if option.flag and option.metavar else ""
        if option.flag and not option.metavar:
            flag = (
                f"`{option.flag}`"
                if option.action != "boolean"
                else (f"`{option.flag}` / `--no-{option.flag[2:]}`")
            )
        if option.short_flag:
            flag = f"`{option.short_flag}`, {flag}"
        if option.action == "append":
            flag += " (repeatable)"
        variable = f"`{option.variable}`" if option.variable else ""
        if option.name == "overlays":
            variable += " (paths joined by `:`)"
        key = "" if not option.config else f"`{option.name}`"
        if option.name == "headers":
            key = "`[headers]` table"
        elif option.name == "overlays":
            key += " (a list)"
        shown = option.shown_default if option.shown_default is not None else _shown(option.default)
        flag = flag.replace("|", "\\|")
        rows.append(f"| {flag} | {variable} | {key} | {shown or ''} | {option.accepts} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
