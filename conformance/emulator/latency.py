"""Network and processing latency of a slow appliance, added to every answer.

Each answer waits ``latency_ms`` give or take up to ``spread_ms`` (uniformly), drawn from
a generator seeded with the emulator's seed, so the sequence of delays is the same on
every start. The wait is an ``asyncio.sleep``: other requests are served meanwhile.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Receive, Scope, Send

Sleep = Callable[[float], Awaitable[None]]


class Latency:
    """The delays of successive answers, in seconds."""

    def __init__(self, latency_ms: float, spread_ms: float, seed: int) -> None:
        self.latency_ms = latency_ms
        self.spread_ms = spread_ms
        self._random = random.Random(seed)

    def __bool__(self) -> bool:
        return self.latency_ms > 0

    def next_delay(self) -> float:
        spread = self._random.uniform(-self.spread_ms, self.spread_ms) if self.spread_ms else 0.0
        return max(0.0, self.latency_ms + spread) / 1000.0


class LatencyMiddleware:
    """Waits each request's delay before the app answers it (SCV, vCenter and API docs)."""

    def __init__(self, app: ASGIApp, latency: Latency, sleep: Sleep = asyncio.sleep) -> None:
        self.app = app
        self.latency = latency
        self.sleep = sleep

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.latency:
            await self.sleep(self.latency.next_delay())
        await self.app(scope, receive, send)
