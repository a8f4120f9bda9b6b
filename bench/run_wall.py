"""Wall time of `scv-conformance run` against the embedded emulator, per profile.

Usage: python bench/run_wall.py [--repeat N] [--profile smoke|full ...] [--workers N]

Each repetition runs the installed console script in a fresh process, the way a user
or CI would, into a temporary report folder. Targets (on an idle two-core machine):
smoke < 10 s, full < 45 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"smoke": 10.0, "full": 45.0}


def console_script() -> str:
    """The scv-conformance beside this interpreter, else the one on PATH."""
    beside = Path(sys.executable).with_name("scv-conformance")
    if beside.exists():
        return str(beside)
    found = shutil.which("scv-conformance")
    if found is None:
        sys.exit("bench: scv-conformance is not installed (pip install -e .)")
    return found


def one_run(script: str, profile: str, workers: int | None) -> tuple[float, dict[str, object]]:
    """(wall seconds, summary.json) of one run."""
    with tempfile.TemporaryDirectory(prefix="scv-bench-") as reports:
        command = [script, "run", "--profile", profile, "--report-dir", reports]
        if workers:
            command += ["--workers", str(workers)]
        started = time.perf_counter()
        done = subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        wall = time.perf_counter() - started
        summaries = list(Path(reports).glob("*/summary.json"))
        summary = json.loads(summaries[0].read_text()) if summaries else {}
        summary["exit"] = done.returncode
        return wall, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per profile (default 3)")
    parser.add_argument(
        "--profile",
        action="append",
        choices=tuple(TARGETS),
        help="profile to time (repeatable; default: smoke and full)",
    )
    parser.add_argument("--workers", type=int, default=None, help="pass --workers N")
    args = parser.parse_args()
    script = console_script()
    missed = False
    for profile in args.profile or list(TARGETS):
        walls = []
        for index in range(args.repeat):
            wall, summary = one_run(script, profile, args.workers)
            walls.append(wall)
            totals = summary.get("totals", {})
            print(
                f"{profile} #{index + 1}: {wall:6.1f} s  exit {summary['exit']}  "
                f"status {summary.get('status')}  seed {summary.get('seed')}  tests {totals}",
                flush=True,
            )
            for failure in summary.get("failures", []):  # type: ignore[attr-defined]
                subject = failure.get("operationId") or failure.get("workflowId")
                first = str(failure.get("message", "")).strip().splitlines()[:1]
                print(f"    {subject} {failure.get('check')}: {' '.join(first)}", flush=True)
        best, median = min(walls), statistics.median(walls)
        target = TARGETS[profile]
        verdict = "ok" if median < target else "MISSED"
        missed |= median >= target
        print(
            f"{profile}: min {best:.1f} s, median {median:.1f} s "
            f"(target < {target:.0f} s: {verdict})",
            flush=True,
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
