"""Fuzzing against a plain ``st run -w 8`` on the same slow emulator, requests counted at it.

Usage: python bench/fuzz_vs_st.py [--latency-ms 100] [--workers 8] [--seed 1]

One emulator process (``--latency-ms``, plain HTTP) wrapped in a counting ASGI layer that
appends the monotonic time of every request it receives to a file: the counts and the idle
gaps come from the emulator, not from either tool's report. In one invocation:

- ``scv-conformance run --only fuzz --profile smoke --seed 1 --concurrency 8``;
- ``st run specs/scv.openapi.yaml -c all -w 8 -n 10 --seed 1`` with the SCV hooks and a
  dynamic login (the same contract, the same emulator);

each rated as requests over the span from its first request to its last, then the ratio
(ours / st) and our fraction of the physical limit (connections / latency). The longest idle
gaps at the emulator during our run show where fuzzing waits rather than sends.

Checks per answer: ours from the run's ``fuzz-stats.json`` (check verdicts over fuzzed and
probed cases); with ``--checks``, st's from a second, untimed ``st run`` of the same command
writing its NDJSON report (every check result of every case), after the timed one.

Goals: ratio >= 1.0 with as many checks per answer or more; ours >= 60% of the limit.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from run_wall import console_script  # bench/ is on the path of a bench script
from slow_appliance import PASSWORD, USERNAME, free_port, wait_until_up, write_config

ROOT = Path(__file__).resolve().parent.parent
RATIO_GOAL = 1.0
LIMIT_GOAL = 0.6

SERVE = """
import sys, time, uvicorn
from conformance.emulator.app import create_app
from conformance.emulator.config import EmulatorConfig
port, latency, log = int(sys.argv[1]), float(sys.argv[2]), open(sys.argv[3], "a", buffering=1)
app = create_app(EmulatorConfig(port=port, tls=False, seed=1, latency_ms=latency))
async def counting(scope, receive, send):
    if scope["type"] == "http":
        log.write(f"{time.monotonic():.6f}\\n")
    await app(scope, receive, send)
uvicorn.run(counting, host="127.0.0.1", port=port, log_level="error", access_log=False,
            lifespan="off", timeout_keep_alive=30)
"""


def stamps(log: Path, since: int) -> list[float]:
    """Request times logged after the first ``since`` lines."""
    return [float(line) for line in log.read_text().split()[since:]]


def rate(times: list[float]) -> tuple[int, float, float]:
    """Requests, span in seconds and requests/s from the first request to the last."""
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return len(times), span, (len(times) / span if span else 0.0)


def gaps(times: list[float], top: int = 5) -> str:
    between = sorted((b - a for a, b in itertools.pairwise(times)), reverse=True)
    idle = sum(g for g in between if g > 0.05)
    shown = ", ".join(f"{g:.2f}" for g in between[:top])
    return f"longest idle gaps {shown} s; {idle:.1f} s idle in gaps > 50 ms"


#: Our checks that send requests of their own (one verdict each), which st has not.
PROBES = ("scv_auth_required", "scv_forbidden_characters")


def our_checks(report_dir: Path) -> tuple[int, int, int]:
    """(cases, check verdicts, verdicts of our probes) of our run, from its fuzz-stats.json."""
    stats = next(report_dir.glob("*/fuzz-stats.json"), None)
    if stats is None:
        return 0, 0, 0
    document = json.loads(stats.read_text())
    probes = sum(int(document.get("checks_by_name", {}).get(name, 0)) for name in PROBES)
    return int(document.get("cases", 0)), int(document.get("checks_judged", 0)), probes


def st_checks(ndjson: Path) -> tuple[int, int]:
    """(cases, check verdicts: passed or failed) of an st run, from its NDJSON report."""
    cases = judged = 0

    def walk(node: object) -> None:
        nonlocal cases, judged
        if isinstance(node, dict):
            recorder = node.get("recorder")
            if isinstance(recorder, dict):
                cases += len(recorder.get("cases") or {})
                for nodes in (recorder.get("checks") or {}).values():
                    judged += sum(1 for n in nodes if n.get("status") in ("success", "failure"))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for line in ndjson.read_text(encoding="utf-8").splitlines():
        walk(json.loads(line))
    return cases, judged


def per_case(cases: int, judged: int) -> str:
    if not cases:
        return "no cases"
    return f"{judged} check verdicts over {cases} cases = {judged / cases:.2f} per answer"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--checks", action="store_true", help="also count st's checks per answer (one more st run)"
    )
    args = parser.parse_args()
    script = console_script()
    st = str(Path(script).with_name("st"))
    limit = args.workers / (args.latency_ms / 1000)
    print(f"load: {os.getloadavg()[0]:.2f}  limit {limit:.0f} requests/s", flush=True)
    with tempfile.TemporaryDirectory(prefix="scv-bench-fuzz-st-") as temporary:
        work = Path(temporary)
        log = work / "requests.log"
        log.touch()
        port = free_port()
        root = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(port), f"{args.latency_ms:g}", str(log)]
        )
        try:
            wait_until_up(root, server, "fuzz_vs_st")
            config = write_config(work, root)
            before = len(log.read_text().split())
            ours = [script, "run", "--only", "fuzz", "--profile", "smoke"]
            ours += ["--seed", str(args.seed), "--concurrency", str(args.workers)]
            ours += ["--config", str(config), "--report-dir", str(work / "ours")]
            started = time.perf_counter()
            done = subprocess.run(ours, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall = time.perf_counter() - started
            our_times = stamps(log, before)
            count, span, our_rate = rate(our_times)
            print(
                f"ours: run --only fuzz --profile smoke -c {args.workers}: exit {done.returncode}"
                f"  wall {wall:.1f} s  {count} requests in {span:.1f} s = {our_rate:.1f}/s",
                flush=True,
            )
            print(f"      {gaps(our_times)}", flush=True)
            cases, judged, probes = our_checks(work / "ours")
            print(f"      {per_case(cases, judged)}", flush=True)
            print(
                f"      without our probes' requests: {per_case(cases - probes, judged - probes)}",
                flush=True,
            )
            token = httpx.post(
                f"{root}/api/4.1/auth/login", json={"username": USERNAME, "password": PASSWORD}
            ).json()["response"]["token"]
            before = len(log.read_text().split())
            peer = [st, "run", str(ROOT / "specs/scv.openapi.yaml"), "--url", f"{root}/api"]
            peer += ["-c", "all", "-w", str(args.workers), "-n", "10", "--seed", str(args.seed)]
            peer += ["-H", f"Token: {token}", "--no-color"]
            env = dict(os.environ, SCHEMATHESIS_HOOKS="conformance.fuzz.st_hooks")
            started = time.perf_counter()
            done = subprocess.run(
                peer, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            wall = time.perf_counter() - started
            count, span, peer_rate = rate(stamps(log, before))
            print(
                f"peer: st run -c all -w {args.workers} -n 10: exit {done.returncode}"
                f"  wall {wall:.1f} s  {count} requests in {span:.1f} s = {peer_rate:.1f}/s",
                flush=True,
            )
            if args.checks:  # untimed: the report costs st time of its own
                reports = work / "st-report"
                peer += ["--report", "ndjson", "--report-dir", str(reports)]
                subprocess.run(
                    peer, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
                ndjson = next(reports.glob("*.ndjson"), None)
                found = st_checks(ndjson) if ndjson else (0, 0)
                print(f"      {per_case(*found)} (untimed second run)", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=15)
    ratio = our_rate / peer_rate if peer_rate else 0.0
    share = our_rate / limit
    print(
        f"ratio ours/st {ratio:.2f} (goal >= {RATIO_GOAL:g}: "
        f"{'ok' if ratio >= RATIO_GOAL else 'MISSED'}); "
        f"{share:.0%} of the limit (goal >= {LIMIT_GOAL:.0%}: "
        f"{'ok' if share >= LIMIT_GOAL else 'MISSED'})",
        flush=True,
    )
    return 0 if ratio >= RATIO_GOAL and share >= LIMIT_GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
