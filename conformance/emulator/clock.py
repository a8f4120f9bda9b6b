"""Injectable time source: the system clock, or a manual one for tests."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def __call__(self) -> datetime: ...


def system_clock() -> datetime:
    """The real current time, UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; start defaults to a fixed instant."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float = 0.0, **delta: float) -> datetime:
        """Move forward by ``seconds`` plus any timedelta keywords; return the new time."""
        with self._lock:
            self._now += timedelta(seconds=seconds, **delta)
            return self._now


def iso(moment: datetime) -> str:
    """Format an instant as Jackson writes java.time.Instant (second precision)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
