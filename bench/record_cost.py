"""What `--record FILE` costs a run, and what redaction costs per secret.

Usage: python bench/record_cost.py [--pairs N] [--profile smoke|full] [--only NAME] [--skip-runs]

Part 1 runs `scv-conformance run --only fuzz --profile smoke --seed 1` against the
embedded emulator, in pairs: the same invocation with `--record` and without it, one after
the other, in fresh processes and report folders, their order alternating from pair to
pair so that neither always runs on the warmer machine. Each pair gives one ratio
(with / without); the median is the figure. Target: <= 1.2.

Part 2 redacts the same HAR-sized text with 1, 10, 100 and 1,000 secrets (a password
with a quote, a backslash, an ampersand and a letter outside ASCII, and tokens like the
ones an appliance issues) and prints the time of each next to the one with one secret:
redaction's cost must not grow with the number of secrets (target: 1,000 within 2 x).

Part 3 writes the HAR of one such run's exchange logs (the step `--record` adds to a run)
with 1, 10, 100 and 1,000 secrets, and prints each time next to the run's wall time.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run_wall import console_script  # the bench folder is this script's own

TARGET = 1.2
PASSWORD = "Tr0ub4dor'&3\\é"


def one_run(command: list[str], record: bool) -> tuple[float, int, int]:
    """(wall seconds, exit code, HAR entries or -1) of one run in a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="scv-bench-") as folder:
        extra = ["--report-dir", folder]
        har = Path(folder) / "run.har"
        if record:
            extra += ["--record", str(har)]
        started = time.perf_counter()
        done = subprocess.run(
            [*command, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        wall = time.perf_counter() - started
        entries = len(json.loads(har.read_text())["log"]["entries"]) if har.exists() else -1
        return wall, done.returncode, entries


def record_ratio(pairs: int, profile: str, only: str) -> float:
    command = [console_script(), "run", "--only", only, "--profile", profile, "--seed", "1"]
    print(f"part 1: {' '.join(command[1:])} with and without --record, {pairs} pairs")
    ratios = []
    for index in range(pairs):
        order = (True, False) if index % 2 else (False, True)
        walls: dict[bool, float] = {}
        for record in order:
            wall, code, entries = one_run(command, record)
            if code not in (0, 1) or (record and entries <= 0):
                sys.exit(f"bench: a run ended with exit {code} and {entries} HAR entries")
            walls[record] = wall
            shown = f"  {entries} HAR entries" if record else ""
            print(
                f"  #{index + 1} {'with   ' if record else 'without'} --record: "
                f"{wall:6.1f} s  exit {code}{shown}",
                flush=True,
            )
        ratios.append(walls[True] / walls[False])
        print(f"  #{index + 1} ratio {ratios[-1]:.2f}", flush=True)
    median = statistics.median(ratios)
    verdict = "ok" if median <= TARGET else "MISSED"
    print(
        f"--record / without: median {median:.2f} (min {min(ratios):.2f}, max "
        f"{max(ratios):.2f}; target <= {TARGET}: {verdict})"
    )
    return median


def sample_text() -> str:
    """About a HAR's worth of exchanges: pretty JSON bodies inside JSON lines."""
    item = {"id": 1, "name": "vm-1", "path": "/vol/x\\y", "note": "a+b & c", "ok": True}
    body = json.dumps({"response": [item] * 400}, indent=2)
    return "\n".join(
        json.dumps({"url": "https://scv/api/4.1/vms?x=1", "body": body}) for _ in range(10)
    )


def redaction_cost() -> bool:
    from conformance.http.redaction import Redactor

    text = sample_text()
    print(f"part 2: redacting {len(text) // 1024} KiB of exchanges")
    base = None
    flat = True
    for count in (1, 10, 100, 1000):
        issued = [secrets.token_hex(16) for _ in range(count - 1)]
        started = time.perf_counter()
        redactor = Redactor([PASSWORD, *issued])
        built = time.perf_counter() - started
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            redactor.redact(text)
            runs.append(time.perf_counter() - started)
        took = statistics.median(runs)
        base = base or took
        flat &= took <= 2 * base
        print(
            f"  {count:5d} secrets: built in {built * 1000:7.1f} ms, redact "
            f"{took * 1000:6.1f} ms ({took / base:.2f} x one)",
            flush=True,
        )
    print(f"redaction cost flat in the number of secrets: {'ok' if flat else 'MISSED'}")
    return flat


def har_cost(profile: str, only: str) -> bool:
    from conformance.http.recording import log_files
    from conformance.reporting.har import write_har

    command = [console_script(), "run", "--only", only, "--profile", profile, "--seed", "1"]
    with tempfile.TemporaryDirectory(prefix="scv-bench-") as folder:
        started = time.perf_counter()
        subprocess.run(
            [*command, "--report-dir", folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        wall = time.perf_counter() - started
        (run_dir,) = [p for p in Path(folder).iterdir() if p.is_dir()]
        print(f"part 3: the HAR of one run's exchanges (the run: {wall:.1f} s)")
        base = None
        flat = True
        for count in (1, 10, 100, 1000):
            hidden = [PASSWORD, *(secrets.token_hex(16) for _ in range(count - 1))]
            started = time.perf_counter()
            entries = write_har(log_files(run_dir), Path(folder) / "run.har", hidden)
            took = time.perf_counter() - started
            base = base or took
            flat &= took <= 2 * base
            print(
                f"  {count:5d} secrets: {entries} entries in {took:.2f} s "
                f"({took / wall:.1%} of the run, {took / base:.2f} x one)",
                flush=True,
            )
    print(f"HAR cost flat in the number of secrets: {'ok' if flat else 'MISSED'}")
    return flat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5, help="pairs of runs (default 5)")
    parser.add_argument("--profile", default="smoke", choices=("smoke", "full"))
    parser.add_argument("--only", default="fuzz", help="suite or workflow (default fuzz)")
    parser.add_argument("--skip-runs", action="store_true", help="part 2 only (no run)")
    args = parser.parse_args()
    flat = redaction_cost()
    if args.skip_runs:
        return 0 if flat else 1
    flat &= har_cost(args.profile, args.only)
    ratio = record_ratio(args.pairs, args.profile, args.only)
    return 0 if flat and ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
