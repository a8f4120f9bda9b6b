"""Interrupts in the test process: the first one waits for a change or a cleanup to finish,
the second does not.

A signal within :data:`SAME_INTERRUPT_SECONDS` of the one it follows is the same interrupt
(systemd's control-group kill reaches this process directly and through the parent, which
passes each stop request on); the parent lets no two requests it passes on come closer.

The test process handles SIGINT and SIGTERM with :data:`INTERRUPTS`. Outside a shielded
section a signal raises KeyboardInterrupt at once, as Python's own handler does. Inside one
(a workflow step that changes state, a workflow's cleanup), the first signal is held until
the section ends and raised then; a second one raises at once: the user asked twice.
Workflows running in threads of their own ask :meth:`Interrupts.requested` before each
step, start nothing more but their cleanup, and are joined (a second signal abandons that).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

#: Seconds within which a further signal is the interrupt it follows.
SAME_INTERRUPT_SECONDS = 0.5


class Interrupts:
    """Counts interrupt signals and holds the first one back while shielded."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.count = 0
        self._clock = clock
        self._last: float | None = None
        self._depth = 0
        self._held = False

    def reset(self) -> None:
        """Forget the interrupts so far (a command that handles several runs' worth)."""
        self.count = 0
        self._last = None

    def requested(self) -> bool:
        """Whether an interrupt came: how threads learn of it (signals reach the main
        thread only)."""
        return self.count > 0

    def abandoned(self) -> bool:
        """Whether a second interrupt came: the user asked twice, cleanups are given up."""
        return self.count >= 2

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """A signal handler (for ``signal.signal``)."""
        now = self._clock()
        if self._last is not None and now - self._last < SAME_INTERRUPT_SECONDS:
            return  # the same interrupt, arriving again
        self._last = now
        self.count += 1
        if self._depth and not self.abandoned():
            self._held = True
            return
        raise KeyboardInterrupt(f"interrupted by signal {signum}")

    @contextmanager
    def shielded(self) -> Iterator[None]:
        """Run the block to its end unless interrupted twice; a held interrupt follows it."""
        if threading.current_thread() is not threading.main_thread():
            yield  # signals reach the main thread only
            return
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            self._held = False
            raise
        self._depth -= 1
        if self._depth == 0 and self._held:
            self._held = False
            raise KeyboardInterrupt("interrupted during a cleanup, raised after it")


#: The interrupts of this process.
INTERRUPTS = Interrupts()
