"""--latency-ms and --latency-spread-ms: every answer waits, others are served meanwhile."""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from typing import Any

import httpx
import pytest

from conformance.emulator import EmbeddedEmulator, EmulatorConfig, ManualClock, cli, create_app
from conformance.emulator.config import UsageError

pytestmark = pytest.mark.integration

LOGIN = {"username": "administrator@vsphere.local", "password": "scv-emulator"}


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scv.test")


async def every_kind_of_answer(app: Any) -> list[int]:
    """One request of each kind the emulator answers; their status codes."""
    async with client(app) as http:
        login = await http.post("/api/4.1/auth/login", json=LOGIN)
        token = {"Token": login.json()["response"]["token"]}
        answers = [
            login,
            await http.get("/api/4.1/resource-groups", headers=token),
            await http.get("/api/4.1/no-such-thing", headers=token),
            await http.get("/api/4.1/policies"),
            await http.post("/api/session", auth=(LOGIN["username"], LOGIN["password"])),
            await http.get("/api/vcenter/vm"),
            await http.get("/api/v3/api-docs"),
        ]
    return [a.status_code for a in answers]


def delays_of(**settings: Any) -> list[float]:
    """The delays an emulator with ``settings`` waits before each of its answers."""
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    app = create_app(EmulatorConfig(**settings), ManualClock(), sleep=record)
    statuses = asyncio.run(every_kind_of_answer(app))
    assert statuses == [200, 200, 404, 401, 201, 401, 200]
    return waited


def test_every_answer_waits_within_the_spread() -> None:
    delays = delays_of(latency_ms=100, latency_spread_ms=20, seed=7)
    assert len(delays) == 7
    assert all(0.080 <= d <= 0.120 for d in delays)
    assert len(set(delays)) == 7


def test_the_delays_repeat_with_the_seed() -> None:
    first = delays_of(latency_ms=100, latency_spread_ms=20, seed=7)
    assert delays_of(latency_ms=100, latency_spread_ms=20, seed=7) == first
    assert delays_of(latency_ms=100, latency_spread_ms=20, seed=8) != first
    assert delays_of(latency_ms=50, seed=8) == [0.05] * 7


def test_no_latency_by_default() -> None:
    assert delays_of() == []


def test_a_spread_larger_than_the_latency_is_refused() -> None:
    with pytest.raises(UsageError, match="spread of 30 ms exceeds the latency"):
        EmulatorConfig(latency_ms=20, latency_spread_ms=30).validate()
    with pytest.raises(UsageError, match="negative"):
        EmulatorConfig(latency_ms=-1).validate()


def test_waiting_requests_do_not_hold_up_others() -> None:
    """All requests are waiting at once before any is let go: nothing is serialized."""
    count = 8

    async def scenario() -> list[int]:
        waiting = 0
        all_in = asyncio.Event()

        async def gate(seconds: float) -> None:
            nonlocal waiting
            waiting += 1
            if waiting == count:
                all_in.set()
            await asyncio.wait_for(all_in.wait(), timeout=5)

        app = create_app(EmulatorConfig(latency_ms=100), ManualClock(), sleep=gate)
        async with client(app) as http:
            answers = await asyncio.gather(*(http.get("/api/4.1/policies") for _ in range(count)))
        return [a.status_code for a in answers]

    assert asyncio.run(scenario()) == [401] * count


def test_the_real_wait_is_asynchronous() -> None:
    """With asyncio.sleep itself: each answer takes the latency, together they overlap."""
    latency, count = 0.2, 10

    async def timed(http: httpx.AsyncClient) -> float:
        started = time.monotonic()
        assert (await http.get("/api/4.1/policies")).status_code == 401
        return time.monotonic() - started

    async def scenario() -> tuple[list[float], float]:
        app = create_app(EmulatorConfig(latency_ms=latency * 1000))
        started = time.monotonic()
        async with client(app) as http:
            each = await asyncio.gather(*(timed(http) for _ in range(count)))
        return list(each), time.monotonic() - started

    each, together = asyncio.run(scenario())
    assert min(each) >= latency * 0.95
    # one after another they would take count * latency (2 s)
    assert together < count * latency / 2


def test_latency_over_real_sockets_from_threads() -> None:
    latency, count = 0.25, 6
    config = EmulatorConfig(port=0, tls=False, latency_ms=latency * 1000)
    limits = httpx.Limits(max_connections=count)
    with EmbeddedEmulator(config) as emulator, httpx.Client(limits=limits, timeout=10) as http:
        times: list[float] = []

        def call() -> None:
            started = time.monotonic()
            assert http.get(emulator.base_url + "/4.1/policies").status_code == 401
            times.append(time.monotonic() - started)

        started = time.monotonic()
        threads = [threading.Thread(target=call) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        together = time.monotonic() - started
    assert len(times) == count and min(times) >= latency * 0.95
    assert together < count * latency / 2


def test_the_command_line_sets_latency_and_spread() -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(["--latency-ms", "100", "--latency-spread-ms", "20"])
    config = cli.config_from(args)
    assert (config.latency_ms, config.latency_spread_ms) == (100, 20)
    assert cli.run(parser.parse_args(["--latency-ms", "10", "--latency-spread-ms", "11"])) == 2
