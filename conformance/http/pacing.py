"""``--rate-limit``: one pace for every request a process sends to the target.

Every request waits as it leaves, in the one send path (:mod:`conformance.http.sending`)
that the harness's httpx clients and schemathesis' requests sessions share: so the
preflight, the fuzzing cases, schemathesis' own probes, the logins and the workflow steps
of a process share one budget, :data:`conformance.http.process.PACER`. The parent divides
the run's rate among the processes it starts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Spaces requests at least ``1 / rate`` seconds apart (no bursts); thread-safe."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._interval = 0.0
        self._next = 0.0
        self.waited = 0.0

    def configure(self, requests_per_second: float | None) -> None:
        """Set the rate; None or 0 lifts the limit."""
        with self._lock:
            self._interval = 1.0 / requests_per_second if requests_per_second else 0.0
            self._next = 0.0

    def wait(self) -> None:
        """Return when the next request may go."""
        if not self._interval:
            return
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self._interval
        delay = slot - now
        if delay > 0:
            self.waited += delay
            self._sleep(delay)
