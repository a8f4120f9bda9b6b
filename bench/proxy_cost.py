"""The proxy's own cost: latency added per request and requests/s, against a direct
connection to the same emulator in the same run.

The emulator (plain HTTP) and ``scv-conformance proxy --target`` in front of it run as
subprocesses on free loopback ports, as a user runs them. The request is an authenticated
``GET /api/4.1/resource-groups``, its token from a login through the proxy (so the proxy
judges it as any client's). Latency: one keep-alive connection (``http.client``), requests
one after another, direct and proxied in alternating blocks so that both share the
machine's load; the median of each and their difference; and the proxy process's own CPU
per request. Rate: 1, 2 and 4 keep-alive connections,
each a process sending one request after another (``http.client``, the cheapest load),
direct and proxied in alternating slices of ``--seconds`` each; on two cores the load,
the proxy and the emulator share them, so more connections mostly measure the machine.

    python bench/proxy_cost.py [--requests 2000] [--seconds 8] [--connections 1,2,4]

Goals: at most 2 ms added per request at the median, at least 500 requests/s through it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx

PATH = "/api/4.1/resource-groups"
LOGIN = {"username": "administrator@vsphere.local", "password": "scv-emulator"}
BLOCK = 100


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, deadline: float) -> None:
    while True:
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up") from None
            time.sleep(0.05)


def token_of(base: str) -> str:
    answer = httpx.post(f"{base}/api/4.1/auth/login", json=LOGIN)
    answer.raise_for_status()
    return str(answer.json()["response"]["token"])


class Sequential:
    """One keep-alive connection sending the request one after another."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
        self.headers = {"Token": token, "Accept": "application/json"}

    def timed(self, count: int) -> list[float]:
        """Milliseconds of each of ``count`` requests."""
        times = []
        for _ in range(count):
            started = time.perf_counter()
            self.connection.request("GET", PATH, headers=self.headers)
            answer = self.connection.getresponse()
            answer.read()
            times.append((time.perf_counter() - started) * 1000)
            if answer.status != 200:
                raise RuntimeError(f"GET {PATH} answered {answer.status}")
        return times


def _lane(base: str, token: str, seconds: float) -> tuple[int, float]:
    """Requests one keep-alive connection completes in ``seconds``, and the time taken."""
    lane = Sequential(base, token)
    done = 0
    started = time.perf_counter()
    stop = started + seconds
    while time.perf_counter() < stop:
        lane.timed(1)
        done += 1
    return done, time.perf_counter() - started


def rates(
    bases: list[tuple[str, str]], seconds: float, connections: int, rounds: int
) -> list[float]:
    """Requests/s of each (base, token) over ``connections`` keep-alive connections, each
    in a process of its own (``http.client``: the load costs the machine little), measured
    in alternating slices so that a machine whose load changes weighs on both alike."""
    totals = [0.0] * len(bases)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(connections, mp_context=context) as pool:
        for _ in range(rounds):
            for position, (base, token) in enumerate(bases):
                slices = [
                    pool.submit(_lane, base, token, seconds / rounds) for _ in range(connections)
                ]
                totals[position] += sum(d / e for d, e in (f.result() for f in slices))
    return [total / rounds for total in totals]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="sequential requests each")
    parser.add_argument("--seconds", type=float, default=8.0, help="load time each")
    parser.add_argument(
        "--connections",
        default="1,2,4",
        help="keep-alive connections of the load, one count or several (default: 1,2,4)",
    )
    parser.add_argument("--rounds", type=int, default=4, help="alternating slices of the load")
    args = parser.parse_args()
    emulator_port, proxy_port = free_port(), free_port()
    direct = f"http://127.0.0.1:{emulator_port}"
    proxied = f"http://127.0.0.1:{proxy_port}"
    with tempfile.TemporaryDirectory() as reports:
        emulator = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "conformance.emulator",
                "--no-tls",
                "--port",
                f"{emulator_port}",
            ],
            stdout=subprocess.DEVNULL,
        )
        proxy = None
        try:
            wait_until_up(direct + "/api/v3/api-docs", time.monotonic() + 30)
            proxy = subprocess.Popen(
                [
                    *(sys.executable, "-m", "conformance.cli", "proxy"),
                    *("--listen", f"127.0.0.1:{proxy_port}"),
                    *("--target", f"{direct}/api", "--vcenter", direct),
                    *("--report-dir", reports),
                ],
                stdout=subprocess.DEVNULL,
            )
            wait_until_up(proxied + "/api/v3/api-docs", time.monotonic() + 30)
            direct_token, proxied_token = token_of(direct), token_of(proxied)
            lanes = [Sequential(direct, direct_token), Sequential(proxied, proxied_token)]
            for lane in lanes:
                lane.timed(BLOCK)  # warm up: connections, caches
            timings: list[list[float]] = [[], []]
            for _ in range(max(1, args.requests // BLOCK)):
                for lane, times in zip(lanes, timings, strict=True):
                    times += lane.timed(BLOCK)
            before = cpu_seconds(proxy.pid)
            served = len(timings[1])
            lanes[1].timed(served)
            cpu_ms = (cpu_seconds(proxy.pid) - before) * 1000 / served
            counts = [int(c) for c in str(args.connections).split(",")]
            measured = {
                count: rates(
                    [(direct, direct_token), (proxied, proxied_token)],
                    args.seconds,
                    count,
                    args.rounds,
                )
                for count in counts
            }
        finally:
            if proxy is not None:
                proxy.terminate()
                proxy.wait(timeout=30)
            emulator.terminate()
            emulator.wait(timeout=10)
        summaries = list(Path(reports).glob("*/summary.json"))
        verdict = json.loads(summaries[0].read_text())["status"] if summaries else "none"
    direct_ms, proxied_ms = (statistics.median(t) for t in timings)
    added = proxied_ms - direct_ms
    print(f"sequential requests:  {len(timings[0])} each, one keep-alive connection")
    print(f"direct median:        {direct_ms:10.3f} ms")
    print(f"through the proxy:    {proxied_ms:10.3f} ms")
    print(f"added by the proxy:   {added:10.3f} ms at the median (goal: <= 2 ms)")
    print(f"proxy's CPU:          {cpu_ms:10.3f} ms per request (its process, sequential)")
    print(
        f"load:                 http.client, a process per connection, {args.seconds:g} s "
        f"each in {args.rounds} alternating slices"
    )
    for count, (direct_rate, proxied_rate) in measured.items():
        print(
            f"  {count:3} connections:     direct {direct_rate:6.0f}/s, through the proxy "
            f"{proxied_rate:6.0f}/s ({proxied_rate / direct_rate:.0%})"
        )
    best = max(rate for _, rate in measured.values())
    print(f"through the proxy:    {best:10.0f} requests/s at best (goal: >= 500)")
    print(f"proxy's capacity:     {1000 / cpu_ms:10.0f} requests/s of its CPU per request")
    print(f"proxy's verdict:      {verdict}")
    return 0 if added <= 2.0 and best >= 500 else 1


if __name__ == "__main__":
    sys.exit(main())
