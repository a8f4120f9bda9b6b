"""Large answers held at once: one budget per process, shared by all its threads.

The size cap bounds one answer; a process that reads many at once (fuzzing at
``--concurrency 8`` beside the workflows: 16 threads) would hold many times the cap, and
more again in the copies judging makes of each (its text, its parsed JSON, a redacted
copy). So an answer larger than :data:`SMALL_ANSWER_BYTES` once decoded takes a share of
the process's budget before more of it is read, and holds it for as long as its body
lives: the body is then a :class:`HeldBody`, which gives the share back when the last
reference to it goes (once the answer is judged; reports keep a bounded prefix of it,
a copy). A share is the size cap, the most one answer may grow to, and
:data:`HELD_ANSWER_BYTES` makes three: at most three large answers are read and judged at
once in one process; a fourth waits for a share, its deadline stopped meanwhile (the
answer waits in the connection: the harness, not the appliance, is slow).

Small answers (SCV's are a few kilobytes) never wait. A wait longer than
:data:`PATIENCE_SECONDS` (every share held by a body kept while its thread waits for
something else) goes on without a share rather than stall the run, and is counted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from conformance.http.bounds import MAX_ANSWER_BYTES

#: An answer up to this size once decoded never waits for a share.
SMALL_ANSWER_BYTES = 1024 * 1024
#: Bytes of large answers one process holds at once, in shares of the size cap.
HELD_ANSWER_BYTES = 3 * MAX_ANSWER_BYTES
#: Seconds a large answer waits for a share at most before it is read without one.
PATIENCE_SECONDS = 20.0


class LargeAnswers:
    """Which threads hold large answers, at most :attr:`shares` of them at once."""

    def __init__(
        self,
        budget: int = HELD_ANSWER_BYTES,
        share: int = MAX_ANSWER_BYTES,
        small: int = SMALL_ANSWER_BYTES,
        patience: float = PATIENCE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shares = max(1, budget // share)
        self.small = small
        self.patience = patience
        self._clock = clock
        # re-entrant: a body's finalizer gives its share back from whichever thread drops
        # it last, possibly one inside this lock already
        self._changed = threading.Condition(threading.RLock())
        #: Large bodies alive, by the thread that read them.
        self._holders: dict[int, int] = {}
        #: The most threads holding large answers at once, and the answers read without a
        #: share (patience ran out).
        self.most_holders = 0
        self.overdrawn = 0

    @property
    def holders(self) -> int:
        with self._changed:
            return len(self._holders)

    def reading(self) -> Reading:
        """What one answer holds of the budget while it is read: nothing yet."""
        return Reading(self)

    def _take(self) -> tuple[Share | None, float]:
        """A share for the calling thread: at once when it holds a large answer already (a
        thread that waited while it held one could wait for itself), else when fewer than
        :attr:`shares` threads hold one."""
        thread = threading.get_ident()
        started = self._clock()
        with self._changed:
            deadline = started + self.patience
            while thread not in self._holders and len(self._holders) >= self.shares:
                left = deadline - self._clock()
                if left <= 0:
                    self.overdrawn += 1
                    return None, self._clock() - started
                self._changed.wait(left)
            self._holders[thread] = self._holders.get(thread, 0) + 1
            self.most_holders = max(self.most_holders, len(self._holders))
        return Share(self, thread), self._clock() - started

    def _give_back(self, thread: int) -> None:
        with self._changed:
            left = self._holders.get(thread, 1) - 1
            if left > 0:
                self._holders[thread] = left
            else:
                self._holders.pop(thread, None)
                self._changed.notify()


class Share:
    """One large body's share, taken by one thread; given back once."""

    def __init__(self, owner: LargeAnswers, thread: int) -> None:
        self._owner: LargeAnswers | None = owner
        self._thread = thread

    def give_back(self) -> None:
        owner, self._owner = self._owner, None
        if owner is not None:
            owner._give_back(self._thread)


class Reading:
    """One answer being read: it takes a share once it is large, and binds the share to its
    body when the body is whole (:meth:`body`), or gives it back when reading stops."""

    def __init__(self, owner: LargeAnswers) -> None:
        self._owner = owner
        self._size = 0
        self._share: Share | None = None
        self._taking = True

    def grew(self, size: int) -> float:
        """``size`` more bytes decoded; the seconds waited for a share (0 mostly)."""
        self._size += size
        if not self._taking or self._size <= self._owner.small:
            return 0.0
        self._taking = False
        self._share, waited = self._owner._take()
        return waited

    def stopped(self) -> None:
        """Reading ended without a body (an error): the share goes back at once."""
        self._taking = False
        share, self._share = self._share, None
        if share is not None:
            share.give_back()

    def body(self, content: bytes) -> bytes:
        """The whole body; a :class:`HeldBody` holding the share when it took one."""
        share, self._share = self._share, None
        self._taking = False
        if share is None:
            return content
        return HeldBody.of(content, share)

    def __del__(self) -> None:
        self.stopped()  # read as a stream and never made whole: nothing holds the share


class HeldBody(bytes):
    """A large answer's body: bytes that give their share back when they are freed.

    Copies (a slice, its text, its parsed value) are other objects and hold no share; the
    harness keeps them only while it judges the answer, or a bounded prefix for reports.
    """

    _share: Share | None

    @classmethod
    def of(cls, content: bytes, share: Share) -> HeldBody:
        body = cls(content)
        body._share = share
        return body

    def __reduce__(self) -> tuple[Any, ...]:
        return (bytes, (bytes(self),))  # a copy is plain bytes: one share, one body

    def __del__(self) -> None:
        share = self.__dict__.get("_share")
        if share is not None:
            share.give_back()
