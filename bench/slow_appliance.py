"""The harness against a slow appliance: workflows side by side, fuzzing overlapping latency.

Usage: python bench/slow_appliance.py [--latency-ms 100] [--job-duration 20]
                                      [--concurrency 8] [--only scenarios|fuzz]

Each run gets an emulator of its own (``scv-conformance emulate --latency-ms 100
--job-duration 20``, plain HTTP on loopback) pointed at as if it were a real appliance, and
is timed next to the same run with ``--concurrency 1``:

- ``scenarios --allow-destructive``: wall time, the longest single workflow and the sum of
  all (from the run's Allure results), whether every workflow passed, and whether the
  emulator's state afterwards is the state before (no leftovers);
- ``run --only fuzz --profile smoke --seed 1``: wall time and requests per second while
  fuzzing (from the run's exchange log: requests over the span from the first to the last).

Goals: scenarios wall time at most 1.5 times the longest single workflow, all passing, no
leftovers; fuzzing at least 3 times the request rate of one at a time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from run_wall import console_script  # bench/ is on the path of a bench script

USERNAME = "administrator@vsphere.local"
PASSWORD = "scv-emulator"
INVENTORY = {
    "vm": "finance-app01",
    "alternate_vm": "web-frontend01",
    "template_vm": "rhel9-template",
    "partial_backup_vm": "finance-db01",
    "deleted_vm_uuid": "42071e9a-5c3d-4b2f-8e6a-1c0d2f3b4a5e",
    "datastore": "nfs_ds01",
    "esx_host": "esx01.lab.local",
    "storage_system": "svm-scenario01",
}
#: More VMs like `vm` and datastores like `datastore`: workflows on them need not wait.
POOLS = {
    "vms": ("finance-app02", "finance-app03", "finance-app04", "finance-app05", "finance-app06"),
    "datastores": ("nfs_ds02", "vmfs_ds01"),
}
#: What every workflow must leave as it found it (SCV lists, then vCenter's).
KEPT_SCV = ("/4.1/storage-system", "/4.1/policies", "/4.1/resource-groups", "/4.1/schedules")
KEPT_SCV += ("/4.1/audit/config",)
VMS = ("vm-101", "vm-102", "vm-103", "vm-106", "vm-107", "vm-108", "vm-109", "vm-110")
SCENARIO_GOAL = 1.5
FUZZ_GOAL = 3.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(root: str, server: subprocess.Popen[bytes], bench: str) -> None:
    """Wait (up to 30 s) until the emulator at ``root`` serves its API description."""
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{root}/api/v3/api-docs", timeout=5)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"{bench}: the emulator did not start") from None
            time.sleep(0.2)


@contextlib.contextmanager
def slow_emulator(script: str, latency_ms: float, job_duration: float) -> Iterator[str]:
    """A fresh emulator process; yields its root URL."""
    port = free_port()
    command = [script, "emulate", "--no-tls", "--port", str(port), "--seed", "1"]
    command += ["--latency-ms", f"{latency_ms:g}", "--job-duration", f"{job_duration:g}"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(root, server, "slow_appliance")
        yield root
    finally:
        server.terminate()
        server.wait(timeout=15)


def write_config(directory: Path, root: str) -> Path:
    lines = [
        f'target = "{root}/api"',
        f'vcenter = "{root}"',
        f'username = "{USERNAME}"',
        f'password = "{PASSWORD}"',
        "tls_verify = false",
        "allow_destructive = true",
        "job_timeout = 300",
        "[inventory]",
        *(f'{key} = "{value}"' for key, value in INVENTORY.items()),
        *(f"{key} = {json.dumps(list(names))}" for key, names in POOLS.items()),
    ]
    path = directory / "target.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def state(root: str) -> dict[str, Any]:
    """The emulator's lists that workflows change and must restore."""
    found: dict[str, Any] = {}
    with httpx.Client(base_url=root, timeout=30) as client:
        login = client.post(
            "/api/4.1/auth/login", json={"username": USERNAME, "password": PASSWORD}
        )
        token = {"Token": login.json()["response"]["token"]}
        for path in KEPT_SCV:
            found[path] = client.get(f"/api{path}", headers=token).json()["response"]
        session = client.post("/api/session", auth=(USERNAME, PASSWORD)).json()
        vcenter = {"vmware-api-session-id": session}
        found["datastores"] = client.get("/api/vcenter/datastore", headers=vcenter).json()
        for vm in VMS:
            found[vm] = client.get(f"/api/vcenter/vm/{vm}/hardware/disk", headers=vcenter).json()
    return found


@dataclass
class Timed:
    """One timed run."""

    wall: float
    exit: int
    summary: dict[str, Any]
    run_dir: Path


def timed(command: list[str]) -> Timed:
    reports = Path(command[command.index("--report-dir") + 1])
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    (run_dir,) = [p for p in reports.iterdir() if p.is_dir()]
    summary = json.loads((run_dir / "summary.json").read_text())
    return Timed(wall, done.returncode, summary, run_dir)


def workflow_times(run_dir: Path) -> dict[str, tuple[float, float]]:
    """When each workflow started and stopped (seconds since the epoch), from Allure."""
    times = {}
    for path in (run_dir / "allure-results").glob("*-result.json"):
        result = json.loads(path.read_text())
        labels = {label["name"]: label["value"] for label in result.get("labels", [])}
        workflow_id = labels.get("scv.workflowId") or labels.get("workflowId")
        if workflow_id:
            times[workflow_id] = (result["start"] / 1000, result["stop"] / 1000)
    return times


def workflow_spans(run_dir: Path) -> dict[str, float]:
    """Seconds each workflow took, from the Allure results."""
    return {w: stop - start for w, (start, stop) in workflow_times(run_dir).items()}


def timeline(run_dir: Path) -> str:
    """Each workflow's start and stop, seconds after the first start, by start."""
    times = workflow_times(run_dir)
    first = min(start for start, _ in times.values())
    rows = sorted(times.items(), key=lambda item: item[1][0])
    return "\n".join(
        f"    {start - first:6.1f} .. {stop - first:6.1f}  {workflow}"
        for workflow, (start, stop) in rows
    )


def request_rate(run_dir: Path) -> tuple[int, float]:
    """Requests of the run and requests per second from the first to the last."""
    starts, ends = [], []
    for path in (run_dir / "exchanges").glob("*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            starts.append(record["started"])
            ends.append(record["started"] + record["elapsed_ms"] / 1000)
    if not starts:
        return 0, 0.0
    return len(starts), len(starts) / max(1e-9, max(ends) - min(starts))


def scenarios(script: str, args: argparse.Namespace, concurrency: int, work: Path) -> bool:
    with slow_emulator(script, args.latency_ms, args.job_duration) as root:
        config = write_config(work, root)
        before = state(root)
        reports = work / f"scenarios-{concurrency}"
        command = [script, "scenarios", "--config", str(config), "--allow-destructive"]
        command += ["--concurrency", str(concurrency), "--report-dir", str(reports)]
        run = timed(command)
        left = state(root) != before
    spans = workflow_spans(run.run_dir)
    longest = max(spans, key=spans.__getitem__)
    totals = run.summary.get("totals", {})
    ratio = run.wall / spans[longest]
    ok = run.exit == 0 and totals.get("failed", 1) == 0 and not left
    print(
        f"scenarios --concurrency {concurrency}: {run.wall:6.1f} s  exit {run.exit}  "
        f"passed {totals.get('passed')}/{len(spans)}  leftovers {'YES' if left else 'none'}  "
        f"longest {longest} {spans[longest]:.1f} s  sum {sum(spans.values()):.1f} s  "
        f"wall/longest {ratio:.2f}",
        flush=True,
    )
    if args.timeline:
        print(timeline(run.run_dir), flush=True)
    return ok and (concurrency == 1 or ratio <= SCENARIO_GOAL)


def fuzz(script: str, args: argparse.Namespace, concurrency: int, work: Path) -> float:
    with slow_emulator(script, args.latency_ms, args.job_duration) as root:
        config = write_config(work, root)
        reports = work / f"fuzz-{concurrency}"
        command = [script, "run", "--only", "fuzz", "--profile", "smoke", "--seed", "1"]
        command += ["--config", str(config), "--concurrency", str(concurrency)]
        command += ["--report-dir", str(reports)]
        run = timed(command)
    requests, rate = request_rate(run.run_dir)
    totals = run.summary.get("totals", {})
    print(
        f"fuzz --profile smoke --concurrency {concurrency}: {run.wall:6.1f} s  exit {run.exit}  "
        f"tests {totals}  {requests} requests, {rate:.1f} requests/s while fuzzing",
        flush=True,
    )
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--job-duration", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8, help="the run timed against 1")
    parser.add_argument("--only", choices=("scenarios", "fuzz"), default=None)
    parser.add_argument("--timeline", action="store_true", help="when each workflow ran")
    parser.add_argument(
        "--no-baseline", action="store_true", help="leave out the --concurrency 1 runs"
    )
    args = parser.parse_args()
    script = console_script()
    print(
        f"emulator: --latency-ms {args.latency_ms:g} --job-duration {args.job_duration:g}",
        flush=True,
    )
    missed = False
    with tempfile.TemporaryDirectory(prefix="scv-bench-slow-") as temporary:
        work = Path(temporary)
        if args.only in (None, "scenarios"):
            met = scenarios(script, args, args.concurrency, work)
            if not args.no_baseline:
                scenarios(script, args, 1, work)
            print(
                f"scenarios goal (wall <= {SCENARIO_GOAL} x longest, all passed, no "
                f"leftovers): {'ok' if met else 'MISSED'}",
                flush=True,
            )
            missed |= not met
        if args.only in (None, "fuzz"):
            fast = fuzz(script, args, args.concurrency, work)
            slow = fast if args.no_baseline else fuzz(script, args, 1, work)
            ratio = fast / slow if slow else 0.0
            met = ratio >= FUZZ_GOAL
            print(
                f"fuzz request rate, --concurrency {args.concurrency} vs 1: {ratio:.2f}x "
                f"(goal >= {FUZZ_GOAL:g}x: {'ok' if met else 'MISSED'})",
                flush=True,
            )
            missed |= not met
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
