"""Running jobs side by side, up to a limit, never two conflicting ones at the same time.

The jobs are given in the order they should start. Whenever a slot is free the first
waiting job that conflicts with none of the running ones starts, in a thread of its own;
a job that conflicts waits until the ones it conflicts with have finished, while later,
independent jobs go ahead. With ``ordered``, a job also waits for every earlier job it
conflicts with, so that conflicting jobs run in the given order whatever the limit (the
outcome of each is then the same as one at a time). With ``fits``, whether a job may
start beside the running ones is asked of the caller instead, who may pick one of several
ways to run it then (e.g. another object of the same kind, when the first is in use). Each
job's outcome (value or exception) and when it ran are kept for whoever waits on it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent import futures
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
Key = Hashable


@dataclass(frozen=True)
class Span:
    """When a job ran (``time.time()`` seconds) and in which slot (0 to limit - 1)."""

    start: float
    stop: float
    slot: int


@dataclass(frozen=True)
class Done(Generic[T]):
    """A finished job: its value (or the exception it raised) and when it ran."""

    value: T | None
    error: BaseException | None
    span: Span


class ConflictScheduler(Generic[T]):
    """Runs ``jobs`` (key, callable) at most ``limit`` at once; ``conflicts(a, b)`` says
    which two keys must not overlap (asked both ways round, it must agree);
    ``fits(key, running)``, when given, says whether ``key`` may start beside the
    ``running`` keys instead (called under the scheduler's lock, just before the job starts
    when it says yes). Call :meth:`start`, then :meth:`wait` per key."""

    def __init__(
        self,
        jobs: Sequence[tuple[Key, Callable[[], T]]],
        limit: int,
        conflicts: Callable[[Key, Key], bool],
        *,
        ordered: bool = False,
        name: str = "job",
        fits: Callable[[Key, Sequence[Key]], bool] | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._jobs = dict(jobs)
        if len(self._jobs) != len(jobs):
            raise ValueError("job keys must be unique")
        self._waiting = [key for key, _ in jobs]
        self._limit = limit
        self._conflicts = conflicts
        self._ordered = ordered
        self._name = name
        self._fits = fits
        self._running: dict[Key, int] = {}
        self._futures: dict[Key, Future[Done[T]]] = {key: Future() for key in self._jobs}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._stopped = False

    def __contains__(self, key: object) -> bool:
        return key in self._futures

    def start(self) -> None:
        """Start as many jobs as may run now; the rest start as others finish."""
        self._dispatch()

    def wait(self, key: Key) -> Done[T]:
        """The outcome of job ``key``, once it has finished; CancelledError if it never ran."""
        return self._futures[key].result()

    def cancel(self) -> None:
        """Start no more jobs; the running ones finish (their cleanup included)."""
        with self._lock:
            self._stopped = True
            waiting, self._waiting = self._waiting, []
        for key in waiting:
            self._futures[key].cancel()

    def wait_all(self) -> None:
        """Return when every job has finished (or was cancelled)."""
        futures.wait(list(self._futures.values()))

    def join(self, timeout: float | None = None) -> None:
        """Wait for the threads started so far."""
        for thread in list(self._threads):
            thread.join(timeout)

    def join_unless(self, abandoned: Callable[[], bool], poll: float = 0.2) -> None:
        """Wait for the threads started so far, or until ``abandoned()`` says yes."""
        while any(t.is_alive() for t in self._threads) and not abandoned():
            self.join(poll)

    def _dispatch(self) -> None:
        with self._lock:
            while not self._stopped and len(self._running) < self._limit:
                key = self._next_ready()
                if key is None:
                    return
                self._waiting.remove(key)
                slot = min(set(range(self._limit)) - set(self._running.values()))
                self._running[key] = slot
                self._futures[key].set_running_or_notify_cancel()
                # daemon: whoever runs the jobs joins them, their cleanup included; after a
                # second interrupt nobody does, and the process must not wait for them then
                thread = threading.Thread(
                    target=self._run, args=(key, slot), name=f"{self._name}-{slot}", daemon=True
                )
                self._threads.append(thread)
                thread.start()

    def _next_ready(self) -> Key | None:
        for index, key in enumerate(self._waiting):
            if self._ordered and any(
                self._conflicts(key, earlier) for earlier in self._waiting[:index]
            ):
                continue
            if self._fits is not None:
                if self._fits(key, list(self._running)):
                    return key
                continue
            if any(self._conflicts(key, other) for other in self._running):
                continue
            return key
        return None

    def _run(self, key: Key, slot: int) -> None:
        started = time.time()
        value: T | None = None
        error: BaseException | None = None
        try:
            value = self._jobs[key]()
        except BaseException as exc:  # handed to whoever waits on the job
            error = exc
        span = Span(started, time.time(), slot)
        with self._lock:
            del self._running[key]
        self._futures[key].set_result(Done(value, error, span))
        self._dispatch()


__all__ = ["CancelledError", "ConflictScheduler", "Done", "Span"]
