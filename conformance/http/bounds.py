"""Bounds on every answer and on a failing target: a deadline, a size cap, a breaker.

HTTP clients time out per chunk, so an appliance that trickles a byte a second never
times out; :func:`bounded_chunks` reads an answer against one deadline for the whole of it
and stops beyond :data:`MAX_ANSWER_BYTES` (the send path, :mod:`conformance.http.sending`,
also caps every layer of its encoding). :class:`Breaker` ends a run early when the
target keeps failing: after :data:`BREAKER_LIMIT` connection failures in a row, or when a
freshly issued token is refused at once (the process's is
:data:`conformance.http.process.BREAKER`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from conformance.core.errors import TargetUnreachable

#: Seconds a whole answer may take, from sending the request to its last byte.
REQUEST_DEADLINE_SECONDS = 60.0
#: The largest answer kept in memory; a larger one is an infrastructure error.
MAX_ANSWER_BYTES = 8 * 1024 * 1024
#: The largest body kept in a report attachment; the rest is cut.
MAX_ATTACHMENT_CHARS = 64 * 1024
#: Connection failures in a row after which the target counts as gone.
BREAKER_LIMIT = 5
#: Logins at most this often: a new token is not asked for sooner after the last.
RELOGIN_INTERVAL_SECONDS = 5.0


class AnswerTooSlow(TargetUnreachable):
    """The answer did not arrive in full within the request deadline."""


class AnswerTooLarge(TargetUnreachable):
    """The answer is larger than the harness keeps in memory."""


class TokenRefused(TargetUnreachable):
    """A token the appliance has just issued is refused at once: nothing can be judged."""


class TargetGone(TargetUnreachable):
    """The breaker tripped: the run stops instead of failing every remaining test."""


def read_bounded(chunks: Iterable[bytes], **bounds: Any) -> bytes:
    """The bytes of ``chunks``, within the bounds of :func:`bounded_chunks`."""
    return b"".join(bounded_chunks(chunks, **bounds))


def bounded_chunks(
    chunks: Iterable[bytes],
    *,
    started: float,
    deadline: float = REQUEST_DEADLINE_SECONDS,
    limit: int = MAX_ANSWER_BYTES,
    what: str = "the answer",
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[bytes]:
    """The chunks of ``chunks`` as they come, stopped past ``deadline`` or beyond ``limit``.

    Nothing read is kept here: the error's traceback keeps this frame alive as long as the
    error is kept (a test's report keeps it), so it must not hold the answer's bytes.
    """
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            del chunk
            raise AnswerTooLarge(
                f"{what} is larger than {limit // (1024 * 1024)} MiB; stopped reading"
            )
        if clock() - started > deadline:
            del chunk
            raise AnswerTooSlow(f"{what} did not arrive in full within {deadline:g} s")
        yield chunk


def cut(text: str, limit: int = MAX_ATTACHMENT_CHARS) -> str:
    """``text`` shortened to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… [{len(text) - limit} more characters not kept]"


class Breaker:
    """Counts connection failures in a row; trips for good at the limit or on a reason."""

    def __init__(self, limit: int = BREAKER_LIMIT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._failures = 0
        self.reason: str | None = None

    @property
    def tripped(self) -> bool:
        return self.reason is not None

    def success(self) -> None:
        with self._lock:
            self._failures = 0

    def failure(self, detail: str) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.limit and self.reason is None:
                self.reason = f"{self._failures} connection failures in a row (last: {detail})"

    def trip(self, reason: str) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason

    def check(self) -> None:
        """Raise TargetGone once tripped, so nothing more is sent."""
        if self.reason is not None:
            raise TargetGone(f"stopped talking to the target: {self.reason}")
