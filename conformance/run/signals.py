"""Stopping a run on request: SIGINT, SIGTERM or ``--max-time``, and no process left over.

The test processes run in process groups of their own, so a Ctrl-C at the terminal
reaches the harness alone; the harness passes each stop request on to every group as a
SIGINT. The first lets the running workflow clean up for the grace period (``--cleanup-grace``);
a second one abandons the cleanup.

A stop request is counted, not its signals: one request often arrives as several. Under
``setsid timeout 600 scv-conformance ...`` a SIGINT to the group reaches the harness
directly, and again from GNU timeout, which passes it on to its child and to its group;
systemd's control-group kill sends SIGTERM to every process at once. Signals within
:data:`SAME_REQUEST_SECONDS` of the request they follow are that request; only one the
user sends later, after the notice of what the first does, is a second request.

A group still alive when its time is up is killed, and so is anything left in it when its
leader has ended (xdist workers, say).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType, TracebackType

#: Seconds the test processes get to write their reports after a second stop request.
ABANDON_GRACE = 10.0
#: How often the supervisor looks at its children and the clock.
POLL_SECONDS = 0.1
MAX_TIME = "max-time"
#: Seconds within which further signals are the stop request they follow (passed on by a
#: wrapper, sent to the whole group); the test processes take less (SAME_INTERRUPT_SECONDS).
SAME_REQUEST_SECONDS = 1.0


@dataclass
class StopRequest:
    """Why the run was asked to stop (SIGINT, SIGTERM, max-time) and how many times."""

    reason: str | None = None
    count: int = 0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _last: float | None = field(default=None, repr=False)

    def request(self, reason: str) -> None:
        """One more stop request, unless it is the last one arriving again."""
        now = self.clock()
        if self._last is not None and now - self._last < SAME_REQUEST_SECONDS:
            return
        self._last = now
        if self.reason is None:
            self.reason = reason
        self.count += 1

    @property
    def requested(self) -> bool:
        return self.count > 0


class StopSignals:
    """While entered, SIGINT and SIGTERM become stop requests instead of ending the harness."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, stop: StopRequest | None = None) -> None:
        self.stop = stop or StopRequest()
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.stop.request(signal.Signals(signum).name)

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self.stop

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        self._previous.clear()


class Supervisor:
    """Waits for child process groups, passing stop requests on and enforcing deadlines."""

    def __init__(
        self,
        children: Sequence[subprocess.Popen[bytes]],
        stop: StopRequest,
        *,
        grace: float,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_stop: Callable[[str], None] | None = None,
    ) -> None:
        self.children = list(children)
        self.stop = stop
        self.grace = grace
        self.deadline = deadline
        self.clock = clock
        self.on_stop = on_stop
        self.killed = False

    def wait(self) -> list[int]:
        """The children's exit codes, once every one has ended."""
        passed_on = 0
        kill_at: float | None = None
        try:
            while any(child.poll() is None for child in self.children):
                now = self.clock()
                if self.deadline is not None and now >= self.deadline and not self.stop.requested:
                    self.stop.request(MAX_TIME)
                while self.stop.count > passed_on:  # each request passed on by itself
                    passed_on += 1
                    self.signal(signal.SIGINT)
                    if self.on_stop is not None:
                        self.on_stop(self.notice(passed_on))
                    later = now + (self.grace if passed_on == 1 else ABANDON_GRACE)
                    kill_at = later if kill_at is None else min(kill_at, later)
                    if self.stop.count > passed_on:
                        time.sleep(POLL_SECONDS)
                if kill_at is not None and now >= kill_at:
                    self.killed = True
                    self.signal(signal.SIGKILL)
                time.sleep(POLL_SECONDS)
        finally:
            self.signal(signal.SIGKILL)  # whatever is left in the groups
            for child in self.children:
                child.wait()
        return [int(child.returncode) for child in self.children]

    def notice(self, passed_on: int) -> str:
        """What the user is told when the ``passed_on``-th stop request goes to the tests."""
        if passed_on == 1:
            return (
                f"stopping ({self.stop.reason}): no new test starts; running workflows finish "
                "the step under way and undo what they created (they wait for the appliance's "
                f"running jobs; at most {self.grace:g} s). Ctrl-C again abandons the cleanup."
            )
        return (
            "abandoning the cleanup: the report lists what was left behind on the appliance "
            f"(ending within {ABANDON_GRACE:g} s)"
        )

    def signal(self, signum: int) -> None:
        """Send ``signum`` to every child's process group."""
        for child in self.children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signum)
