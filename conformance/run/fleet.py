"""`scv-conformance run --fleet FILE`: one run per appliance, several at a time.

The fleet file is TOML: an optional ``concurrency`` and one ``[[target]]`` table per
appliance, with a ``name`` and either ``config = "FILE"`` (a configuration file as
``--config`` takes it, relative to the fleet file) or the same settings inline
(``target``, ``username``, ``tls_verify``, ``[target.inventory]``, ...). ``password_env``
names an environment variable holding the password, so no password needs to be in a
file; ``args`` adds options for that target's run only.

Each target runs as its own ``scv-conformance run`` process (isolated: its own emulator or
session, its own report folder), at most ``--fleet-concurrency`` at a time. The fleet
folder ``REPORT_DIR/<UTC timestamp>-fleet/`` holds one run folder per target, named after
it, plus ``allure-results/`` combining every target's results (``parentSuite`` = target
name) and ``fleet-summary.md``/``fleet-summary.json``. The exit code is the highest of the
targets' (3 > 2 > 1 > 0).

A Ctrl-C or a SIGTERM is a stop request (:class:`conformance.run.signals.StopSignals`, as in
a run of one target): it is passed on to every running target once, and each undoes what
it created; a second request abandons the cleanups. The fleet then ends with exit 3.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance.core.errors import UsageError
from conformance.core.inputs import load_toml
from conformance.core.option_table import BY_NAME
from conformance.core.settings import DEFAULTS, ENVIRONMENT
from conformance.reporting.merge import (
    NamedRun,
    check_name,
    merge_results,
    shown_status,
    summary_rows,
    write_summary,
)
from conformance.reporting.run_dirs import TIMESTAMP_FORMAT
from conformance.run.plan_options import MAX_PROCESSES, option_words
from conformance.run.signals import POLL_SECONDS, StopSignals

DEFAULT_CONCURRENCY = 2
CONSOLE_LOG = "console.log"
#: Settings that say which appliance to talk to: per target, never from the environment.
PER_TARGET = (
    "target",
    "api_path",
    "vcenter",
    "username",
    "password",
    "tls_verify",
    "appliance_version",
    "config",
    "report_dir",
    # what an embedded emulator plays: only a target without a URL has one
    "faults",
    "conditions",
    "release_variant",
    "latency_ms",
    "job_duration",
)
_TARGET_KEYS = {"name", "config", "args", "password_env", "inventory", "budgets"}
#: Options of `run` that are not handed on to each target's run: the fleet's own, and
#: those whose meaning is per target (a HAR file, a baseline, the password).
NOT_PASSED = frozenset(
    {"help", "password", "report_dir", "dry_run", "command_parser", "record"}
    | {"baseline", "write_baseline", "fleet", "fleet_concurrency"}
)
#: Where Hypothesis keeps its example database (its own environment variable).
HYPOTHESIS_STORAGE = "HYPOTHESIS_STORAGE_DIRECTORY"
#: Seconds a target's run gets to end after a second Ctrl-C (it abandons its cleanup).
ABANDON_SECONDS = 30.0


@dataclass(frozen=True)
class FleetTarget:
    """One appliance of the fleet and how to run against it."""

    name: str
    config: Path | None
    inline: dict[str, Any] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    password_env: str | None = None


@dataclass(frozen=True)
class Fleet:
    """The targets of a fleet file and its concurrency."""

    targets: list[FleetTarget]
    concurrency: int | None


def load_fleet(path: str | Path) -> Fleet:
    """Read and check a fleet file; UsageError (exit 2) on anything wrong in it."""
    file = Path(path)
    data = load_toml(file, "--fleet")
    unknown = sorted(set(data) - {"target", "concurrency"})
    if unknown:
        raise UsageError(f"--fleet: unknown key {unknown[0]!r} in {file}")
    tables = data.get("target")
    if not isinstance(tables, list) or not tables:
        raise UsageError(f"--fleet: {file} has no [[target]] tables")
    targets = [_target(table, file) for table in tables]
    names = [t.name for t in targets]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise UsageError(f"--fleet: two targets are named {duplicate!r} in {file}")
    concurrency = data.get("concurrency")
    if concurrency is not None and (
        not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_PROCESSES
    ):
        raise UsageError(
            f"--fleet: concurrency must be a whole number from 1 to {MAX_PROCESSES} in {file}"
        )
    return Fleet(targets, concurrency)


def _target(table: Any, file: Path) -> FleetTarget:
    if not isinstance(table, dict) or not isinstance(table.get("name"), str):
        raise UsageError(f"--fleet: every [[target]] needs a name in {file}")
    name = check_name(table["name"], "--fleet")
    inline = {k: v for k, v in table.items() if k not in _TARGET_KEYS}
    unknown = sorted(k for k in inline if k.replace("-", "_") not in DEFAULTS or k == "report_dir")
    if unknown:
        raise UsageError(f"--fleet: target {name}: unknown setting {unknown[0]!r}")
    for section in ("inventory", "budgets"):
        if section in table:
            if not isinstance(table[section], dict):
                raise UsageError(f"--fleet: target {name}: {section} must be a table")
            inline[section] = table[section]
    config = None
    if "config" in table:
        if inline:
            raise UsageError(
                f"--fleet: target {name}: give either config = FILE or settings inline, not both"
            )
        config = (file.parent / str(table["config"])).absolute()
        if not config.is_file():
            raise UsageError(f"--fleet: target {name}: no config file {config}")
    args = table.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise UsageError(f"--fleet: target {name}: args must be a list of strings")
    password_env = table.get("password_env")
    if password_env is not None and not isinstance(password_env, str):
        raise UsageError(f"--fleet: target {name}: password_env must be a variable name")
    return FleetTarget(name, config, inline, tuple(args), password_env)


def passed_options(args: argparse.Namespace) -> list[str]:
    """The fleet-wide flags of this command line, for every target's run."""
    given = [
        BY_NAME[key].flag or key if key in BY_NAME else f"--{key.replace('_', '-')}"
        for key in PER_TARGET
        if key != "report_dir" and hasattr(args, key)
    ]
    if given:
        raise UsageError(
            f"--fleet: {given[0]} is per target; set it in the fleet file, not on the command line"
        )
    if getattr(args, "baseline", None) or getattr(args, "write_baseline", None):
        raise UsageError("--fleet: baselines are per target; put --baseline in a target's args")
    if getattr(args, "record", None):
        raise UsageError("--fleet: recordings are per target; put --record in a target's args")
    if getattr(args, "dry_run", False):
        raise UsageError("--fleet: --dry-run is per target; put it in a target's args")
    options: list[str] = []
    for flag, value in option_words(args, NOT_PASSED):
        options += [flag] if value is None else [flag, value]
    return options


def run_fleet(
    fleet_file: str,
    report_dir: Path,
    options: list[str],
    concurrency: int | None,
    console: Console | None = None,
) -> int:
    """Run every target of the fleet; the highest exit code of the targets."""
    fleet = load_fleet(fleet_file)
    limit = concurrency or fleet.concurrency or DEFAULT_CONCURRENCY
    for target in fleet.targets:
        if target.password_env and target.password_env not in os.environ:
            raise UsageError(f"--fleet: target {target.name}: ${target.password_env} is not set")
    out = console or Console(stderr=True, highlight=False)
    folder = _fleet_dir(report_dir)
    out.print(Text(f"fleet {folder} · {len(fleet.targets)} targets · {limit} at a time"))
    runner = _FleetRunner(folder, options, out)
    with tempfile.TemporaryDirectory(prefix=".fleet-configs-") as private:
        pool = ThreadPoolExecutor(max_workers=limit)
        try:
            # SIGINT and SIGTERM are stop requests, as in a run of one target, also where
            # the fleet was started with SIGINT ignored (a background job of a script)
            with StopSignals() as stop:
                futures = [
                    pool.submit(runner.run, target, Path(private)) for target in fleet.targets
                ]
                while not all(future.done() for future in futures):
                    wait(futures, timeout=POLL_SECONDS)
                    runner.follow(stop.count)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if stop.requested:
            raise KeyboardInterrupt
        runs = [future.result() for future in futures]
    merge_results(runs, folder)
    rows = summary_rows(runs)
    document = write_summary(rows, folder, f"SCV conformance fleet {folder.name}")
    _print_table(Console(highlight=False), rows, folder)
    return int(document["exitCode"])


class _FleetRunner:
    """Runs targets in subprocesses and remembers them, to pass on an interrupt."""

    def __init__(self, folder: Path, options: list[str], console: Console) -> None:
        self.folder = folder
        self.options = options
        self.console = console
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._stopped = False
        self._requests = 0
        self._kill_at: float | None = None

    def run(self, target: FleetTarget, private: Path) -> NamedRun:
        scratch = self.folder / f".{target.name}"
        scratch.mkdir()
        config = target.config or _inline_config(target, private)
        command = [
            sys.executable,
            "-m",
            "conformance.cli",
            "run",
            "--report-dir",
            str(scratch),
            "--config",
            str(config),
            *self.options,
            *target.args,
        ]
        log = self.folder / f".{target.name}.log"
        self.console.print(Text(f"  {target.name}: started"))
        with log.open("wb") as handle:
            with self._lock:
                if self._stopped:
                    raise KeyboardInterrupt
                process = subprocess.Popen(
                    command,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    env=_environment(target, private),
                    # a session of its own: a Ctrl-C at the terminal reaches the fleet
                    # alone, which passes it on once (twice would abandon the cleanup)
                    start_new_session=True,
                )
                self._running.add(process)
            code = process.wait()
            with self._lock:
                self._running.discard(process)
        destination = self.folder / target.name
        runs = [p for p in scratch.iterdir() if p.is_dir()]
        if len(runs) == 1:
            runs[0].rename(destination)
        else:
            destination.mkdir()
        shutil.rmtree(scratch, ignore_errors=True)
        log.rename(destination / CONSOLE_LOG)
        note = None
        if len(runs) != 1:
            note = f"no run folder; see {target.name}/{CONSOLE_LOG}: {_last_line(destination)}"
        self.console.print(Text(f"  {target.name}: finished, exit code {code}"))
        return NamedRun(target.name, destination if len(runs) == 1 else None, code, note)

    def follow(self, requests: int) -> None:
        """Pass each new stop request on to every running target, once: the first lets
        each undo what it created (within its own ``--cleanup-grace``); the second abandons
        the cleanups, and a target still running :data:`ABANDON_SECONDS` later is killed."""
        with self._lock:
            new = requests > self._requests
            self._requests = requests
            self._stopped = self._stopped or requests > 0
            running = list(self._running)
        if new:
            self.console.print(Text(_notice(requests), style="yellow"))
            for process in running:
                process.send_signal(signal.SIGINT)
            if requests >= 2 and self._kill_at is None:
                self._kill_at = time.monotonic() + ABANDON_SECONDS
        if self._kill_at is not None and time.monotonic() >= self._kill_at:
            for process in running:
                process.kill()


def _notice(requests: int) -> str:
    """What the user is told when the ``requests``-th stop request goes to the targets."""
    if requests == 1:
        return (
            "stopping: each running target undoes what it created (within its "
            "--cleanup-grace). Ctrl-C again abandons the cleanups."
        )
    return (
        "abandoning the cleanups: each target's report lists what was left behind "
        f"(a target still running in {ABANDON_SECONDS:g} s is killed)"
    )


def _inline_config(target: FleetTarget, private: Path) -> Path:
    """The inline settings as a configuration file only this user can read."""
    path = private / f"{target.name}.toml"
    lines = []
    tables = {k: v for k, v in target.inline.items() if isinstance(v, dict)}
    for key, value in target.inline.items():
        if not isinstance(value, dict):
            lines.append(f"{key} = {_toml_value(value)}")
    for section, values in tables.items():
        lines.append(f"[{section}]")
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in values.items()]
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):  # faults, conditions, overlays
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def _environment(target: FleetTarget, private: Path) -> Mapping[str, str]:
    """The fleet's environment without the settings that pick an appliance.

    Each target also gets a Hypothesis example database of its own: examples one
    appliance made fail must not steer the requests sent to another.
    """
    blocked = {ENVIRONMENT[key] for key in PER_TARGET}
    env = {k: v for k, v in os.environ.items() if k not in blocked}
    if target.password_env:
        env[ENVIRONMENT["password"]] = os.environ[target.password_env]
    env[HYPOTHESIS_STORAGE] = str(private / f"{target.name}.hypothesis")
    return env


def _fleet_dir(report_dir: Path) -> Path:
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--report-dir: cannot create {report_dir}: {exc.strerror}") from None
    stamp = datetime.now(UTC).strftime(TIMESTAMP_FORMAT)
    for attempt in range(1, 1000):
        candidate = report_dir / (f"{stamp}-fleet" if attempt == 1 else f"{stamp}-fleet-{attempt}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise UsageError(f"--report-dir: too many fleets named {stamp} in {report_dir}")


def _last_line(folder: Path) -> str:
    try:
        lines = (folder / CONSOLE_LOG).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return next((line.strip() for line in reversed(lines) if line.strip()), "")


def _print_table(console: Console, rows: list[dict[str, Any]], folder: Path) -> None:
    table = Table(title="Fleet", title_justify="left")
    for column in (
        "target",
        "appliance",
        "status",
        "exit",
        "passed",
        "failed",
        "errors",
        "skipped",
    ):
        table.add_column(column)
    for row in rows:
        totals = row.get("totals") or {}
        table.add_row(
            Text(row["name"]),
            Text(str(row.get("applianceVersion") or "unknown")),
            Text(shown_status(row)),
            str(row.get("exitCode")),
            str(totals.get("passed", "")),
            str(totals.get("failed", "")),
            str(totals.get("errors", "")),
            str(totals.get("skipped", "")),
        )
    console.print(table)
    console.print(Text(f"fleet reports: {folder}  (fleet-summary.md, allure-results/)"))


def run_fleet_command(args: argparse.Namespace) -> int:
    """`run --fleet FILE`: the fleet-wide options of the command line, then the fleet."""
    options = passed_options(args)
    report_dir = Path(
        getattr(args, "report_dir", None)
        or os.environ.get(ENVIRONMENT["report_dir"])
        or DEFAULTS["report_dir"]
    )
    return run_fleet(args.fleet, report_dir, options, args.fleet_concurrency)


__all__ = ["load_fleet", "passed_options", "run_fleet", "run_fleet_command"]
