"""Running the suites: pytest in a child process, isolated from the repository's config."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from conformance.core.paths import CACHE_DIR, PROJECT_ROOT
from conformance.plugin.progress import PROGRESS_FD_VARIABLE
from conformance.run.progress import ProgressDisplay

#: Node ids are relative to it (``specs/...``, ``scenarios/...``).
ROOT = PROJECT_ROOT

#: Variables of the caller that would change how pytest runs; the child never sees them.
SCRUBBED = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_XDIST_AUTO_NUM_WORKERS")

#: Seconds a child gets to finish after an interrupt before it is killed.
INTERRUPT_GRACE = 10.0


@dataclass(frozen=True)
class Suite:
    """A suite: the pytest plugin that collects it and the paths it collects."""

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


def pytest_arguments(
    suites: Sequence[Suite],
    suite_options: Sequence[str],
    run_dir: Path,
    workers: int | None,
    junit_path: Path | None = None,
) -> list[str]:
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
        "--assert=plain",
        "-q",
        "--color=no",
        "--tb=short",
        "-p",
        "conformance.plugin.progress",
        "-p",
        "conformance.plugin.labels",
        "-p",
        "conformance.plugin.scheduling",
        "-p",
        "conformance.plugin.recording",
        "--alluredir",
        str(run_dir / "allure-results"),
        "--junitxml",
        str(junit_path or run_dir / "junit.xml"),
        "-o",
        "junit_family=xunit2",
        "-o",
        "junit_suite_name=scv-conformance",
    ]
    if workers:
        args += ["-n", str(workers), "--dist", "loadgroup"]
    for suite in suites:
        args += ["-p", suite.plugin]
    args += list(suite_options)
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


def run_pytest(
    args: Sequence[str],
    environment: Mapping[str, str],
    run_dir: Path,
    display: ProgressDisplay,
) -> PytestOutcome:
    """Run pytest with ``args`` in a child process, its output in ``run_dir/pytest.log``."""
    (outcome,) = run_pytest_jobs([PytestJob(args, environment, run_dir / "pytest.log")], display)
    return outcome


def run_pytest_jobs(jobs: Sequence[PytestJob], display: ProgressDisplay) -> list[PytestOutcome]:
    """Run one child pytest per job, all at once, feeding one progress display."""
    started: list[tuple[subprocess.Popen[bytes], PytestJob]] = []
    streams = []
    try:
        for job in jobs:
            child, events = _spawn(job)
            started.append((child, job))
            streams.append(events)
        display.start(*streams)
        try:
            returncodes = [child.wait() for child, _ in started]
        except KeyboardInterrupt:
            for child, _ in started:
                _stop(child)
            raise
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
            )
    except BaseException:
        events.close()
        raise
    finally:
        os.close(write_fd)
    return child, events


def _stop(child: subprocess.Popen[bytes]) -> None:
    try:
        child.wait(timeout=INTERRUPT_GRACE)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def last_error_line(log_path: Path) -> str:
    """The most telling line of a pytest log that ended in an error."""
    try:
        lines = [ln.strip() for ln in log_path.read_text(encoding="utf-8").splitlines()]
    except OSError:
        return ""
    for marker in ("ERROR:", "E   ", "INTERNALERROR>"):
        hits = [ln for ln in lines if ln.startswith(marker)]
        if hits:
            return hits[-1]
    return next((ln for ln in reversed(lines) if ln), "")
