"""Running ``scv-conformance`` as a user does: a process of its own, its folder, its output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENTRY = "import sys; from conformance.cli import main; sys.exit(main())"


def with_sigint_ignored(argv: list[str]) -> list[str]:
    """``argv`` started as a script's background job is: with SIGINT ignored, inherited."""
    return ["sh", "-c", "trap '' INT; exec \"$@\"", "sh", *argv]


@dataclass
class Finished:
    """A finished command: exit code, console text, wall time and its run folder."""

    code: int
    output: str
    seconds: float
    report_dir: Path

    @property
    def run_dir(self) -> Path:
        (folder,) = [p for p in self.report_dir.iterdir() if p.is_dir()]
        return folder

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.run_dir / "summary.json").read_text())


def environment(report_dir: Path, **values: str) -> dict[str, str]:
    """Our environment without SCV_ settings of the caller, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCV_")}
    env["SCV_REPORT_DIR"] = str(report_dir)
    env.update(values)
    return env


def start(args: list[str], env: Mapping[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", ENTRY, *args],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run(
    args: list[str],
    env: Mapping[str, str],
    timeout: float = 600,
    interrupt: Callable[[], bool] | None = None,
    signum: int = signal.SIGINT,
) -> Finished:
    """Run the command; with ``interrupt``, send ``signum`` once it answers True."""
    started = time.monotonic()
    process = start(args, env)
    if interrupt is not None:
        while process.poll() is None and not interrupt():
            time.sleep(0.05)
        if process.poll() is None:
            process.send_signal(signum)
    output, _ = process.communicate(timeout=timeout)
    return Finished(
        process.returncode, output, time.monotonic() - started, Path(env["SCV_REPORT_DIR"])
    )


#: Runs the command as a process of its own and prints the largest peak memory (kB) of
#: the processes it started, the harness and its test processes (each waited for).
_MEASURING = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call([sys.executable, '-c', sys.argv[1], *sys.argv[2:]])\n"
    "print(f'peak-rss-kb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', flush=True)\n"
    "sys.exit(code)\n"
)


def run_measured(
    args: list[str], env: Mapping[str, str], timeout: float = 600
) -> tuple[Finished, float]:
    """Run the command; its result and the peak memory (MB) of its largest process.

    ``getrusage(RUSAGE_CHILDREN)`` of the test session itself would keep the largest peak
    of every command the session ever ran; a process in between counts this one alone.
    """
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-c", _MEASURING, ENTRY, *args],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    output, _, peak = completed.stdout.rpartition("peak-rss-kb=")
    finished = Finished(
        completed.returncode, output, time.monotonic() - started, Path(env["SCV_REPORT_DIR"])
    )
    return finished, int(peak.strip()) / 1024
