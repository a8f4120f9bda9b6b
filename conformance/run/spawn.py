"""Running the suites: pytest in a child process, isolated from the repository's config."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from rich.text import Text

from conformance.core.context import RunContext
from conformance.core.manifest import (
    PROGRESS_FD_VARIABLE,
    Manifest,
    child_variables,
    manifest_path,
)
from conformance.core.paths import CACHE_DIR, PROJECT_ROOT
from conformance.core.selection import Selection
from conformance.run.progress import ProgressDisplay
from conformance.run.signals import StopRequest, Supervisor

#: Node ids are relative to it (``specs/...``, ``scenarios/...``).
ROOT = PROJECT_ROOT

#: Variables of the caller that would change how pytest runs; the child never sees them.
SCRUBBED = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_XDIST_AUTO_NUM_WORKERS")

#: The child's pytest plugin.
PLUGIN = "conformance.child.main"

#: glibc's allocator in a child (the caller's own values win): a block of 256 KiB or more
#: is mapped on its own and given back to the system when it is freed, and its threads
#: share two arenas. By default glibc raises that threshold to the largest block freed so
#: far (up to 32 MiB) and gives threads arenas of their own: after answers of a few
#: megabytes read by 16 threads, the test process kept 2-3 times what it still used.
#: Other allocators ignore these variables.
MALLOC_SETTINGS = {"MALLOC_MMAP_THRESHOLD_": str(256 * 1024), "MALLOC_ARENA_MAX": "2"}

#: Seconds a child gets to clean up after an interrupt before it is killed (default).
INTERRUPT_GRACE = 60.0


@dataclass(frozen=True)
class Suite:
    """A suite: the pytest plugin that collects it (registered by :data:`PLUGIN`) and the
    paths it collects."""

    name: str
    plugin: str
    paths: tuple[str, ...]


SUITES: dict[str, Suite] = {
    "fuzz": Suite("fuzz", "conformance.fuzz.plugin", ("specs/scv.openapi.yaml",)),
    "scenarios": Suite("scenarios", "conformance.scenarios.plugin", ("scenarios",)),
}


#: The order in which suites run in one process (pytest runs items in argument order).
RUN_ORDER = ("scenarios", "fuzz")


@dataclass(frozen=True)
class PytestOutcome:
    """How the child pytest ended."""

    returncode: int
    log_path: Path
    collect_errors: tuple[str, ...]


def pytest_arguments(suites: Sequence[Suite], manifest: Manifest, workers: int | None) -> list[str]:
    """The command line of the child pytest (after ``python -m pytest``)."""
    args = [
        "-c",
        os.devnull,
        "--rootdir",
        str(ROOT),
        "-o",
        "addopts=",
        "-p",
        "no:cacheprovider",
        # the suites drive schemathesis themselves; its own pytest plugin is not needed,
        # and failures carry their own messages, so asserts need no rewriting
        "-p",
        "no:schemathesis",
        # the harness installed as a pytest plugin drives runs of its own; not this one
        "-p",
        "no:scv_conformance",
        # its check for exceptions nobody could raise runs two full garbage collections
        # at the end (0.3 s of a fuzzing process); the reports do not show them anyway
        "-p",
        "no:unraisableexception",
        "--assert=plain",
        # the tests print nothing of their own: Python-level capture is enough, without
        # redirecting the process's file descriptors around every phase of every test
        "--capture=sys",
        "-q",
        "--color=no",
        "--tb=short",
        # the one plugin of the child: it registers the rest, as the manifest says
        "-p",
        PLUGIN,
        "--alluredir",
        str(manifest.allure_dir),
        "--junitxml",
        str(manifest.junit_path),
        "-o",
        "junit_family=xunit2",
        "-o",
        "junit_suite_name=scv-conformance",
    ]
    if workers:
        args += ["-n", str(workers), "--dist", "loadgroup"]
    for suite in sorted(suites, key=_run_order):
        args += list(suite.paths)
    return args


def _run_order(suite: Suite) -> int:
    """Workflows first: they expect the appliance as seeded, before fuzzing changes it."""
    return RUN_ORDER.index(suite.name) if suite.name in RUN_ORDER else len(RUN_ORDER)


@dataclass(frozen=True)
class PytestJob:
    """One child pytest: its arguments, its extra environment and where its output goes."""

    args: Sequence[str]
    environment: Mapping[str, str]
    log_path: Path


def suite_job(
    context: RunContext,
    suites: Sequence[Suite],
    run_dir: Path,
    *,
    profile: str,
    selection: Selection | None = None,
    max_failures: int | None = None,
    workers: int | None = None,
    name: str | None = None,
    processes: int = 1,
) -> PytestJob:
    """A child pytest running ``suites`` against ``context``: its manifest written down.

    ``name`` sets the child's files apart (``junit-NAME.xml``, ``pytest-NAME.log``) when
    more than one child runs; ``processes``: how many pytest processes of the run share
    its rate limit.
    """
    suffix = f"-{name}" if name else ""
    manifest = context.manifest(
        profile=profile,
        run_dir=run_dir,
        junit_path=run_dir / f"junit{suffix}.xml",
        suites=[suite.name for suite in suites],
        plugins=[suite.plugin for suite in suites],
        selection=selection,
        max_failures=max_failures,
        processes=processes,
    )
    path = manifest.write(manifest_path(run_dir.absolute(), f"manifest{suffix}"))
    return PytestJob(
        pytest_arguments(suites, manifest, workers),
        child_variables(path, context.target.password, context.secret_headers, context.urls),
        run_dir / f"pytest{suffix}.log",
    )


@dataclass(frozen=True)
class Stopping:
    """How the children are stopped: the run's stop request, grace period and deadline."""

    stop: StopRequest
    grace: float = INTERRUPT_GRACE
    deadline: float | None = None


def run_pytest_jobs(
    jobs: Sequence[PytestJob], display: ProgressDisplay, stopping: Stopping | None = None
) -> list[PytestOutcome]:
    """Run one child pytest per job, all at once, feeding one progress display.

    Stop requests (and the deadline) are passed on to the children; see
    :mod:`conformance.run.signals`.
    """
    stopping = stopping or Stopping(StopRequest())
    started: list[tuple[subprocess.Popen[bytes], PytestJob]] = []
    streams = []
    supervisor = Supervisor(
        [],
        stopping.stop,
        grace=stopping.grace,
        deadline=stopping.deadline,
        on_stop=lambda notice: display.console.print(Text(notice), style="yellow"),
    )
    try:
        for job in jobs:
            child, events = _spawn(job)
            started.append((child, job))
            supervisor.children.append(child)
            streams.append(events)
        display.start(*streams)
        try:
            returncodes = supervisor.wait()
        finally:
            display.stop()
    finally:
        for events in streams:
            events.close()
    errors = tuple(display.tracker.collect_errors)
    return [
        PytestOutcome(code, job.log_path, errors)
        for code, (_, job) in zip(returncodes, started, strict=True)
    ]


def child_environment(
    extra: Mapping[str, str], base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a child pytest: ``base`` (ours by default), scrubbed, + ``extra``."""
    base = os.environ if base is None else base
    env = {k: v for k, v in base.items() if k not in SCRUBBED}
    env.update(extra)
    env.setdefault("PYTHONUNBUFFERED", "1")
    for name, value in MALLOC_SETTINGS.items():
        env.setdefault(name, value)
    if env.pop("PYTHONDONTWRITEBYTECODE", None) and "PYTHONPYCACHEPREFIX" not in env:
        # pytest rewrites the asserts of every plugin package (hypothesis, schemathesis)
        # on each start unless it may cache them: keep the caches out of the sources.
        env["PYTHONPYCACHEPREFIX"] = str(CACHE_DIR / "pycache")
    return env


def _spawn(job: PytestJob) -> tuple[subprocess.Popen[bytes], IO[str]]:
    env = child_environment(job.environment)
    read_fd, write_fd = os.pipe()
    env[PROGRESS_FD_VARIABLE] = str(write_fd)
    events = os.fdopen(read_fd, "r", encoding="utf-8")
    try:
        with open(job.log_path, "w", encoding="utf-8") as log:
            child = subprocess.Popen(
                [sys.executable, "-m", "pytest", *job.args],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd,),
                # a group of its own: only the harness decides when it is interrupted
                start_new_session=True,
            )
    except BaseException:
        events.close()
        raise
    finally:
        os.close(write_fd)
    return child, events


def last_error_line(log_path: Path) -> str:
    """The most telling line of a pytest log that ended in an error."""
    try:
        lines = [ln.strip() for ln in log_path.read_text(encoding="utf-8").splitlines()]
    except OSError:
        return ""
    stopped = [ln for ln in lines if "Interrupted: stopped talking to the target" in ln]
    if stopped:
        return stopped[-1].strip("! ").removeprefix("Interrupted: ")
    for marker in ("ERROR:", "E   ", "INTERNALERROR>"):
        hits = [ln for ln in lines if ln.startswith(marker)]
        if hits:
            return hits[-1]
    return next((ln for ln in reversed(lines) if ln), "")
