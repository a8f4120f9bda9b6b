"""The parent's side of holding the appliance for a destructive run.

Against an appliance of its own (not the embedded emulator), a run that may change state
takes the appliance before it reads the state it starts from, and gives it back once it has
read the state at the end, on every way out (:mod:`conformance.custody.hold`). Another run
holding it: by default this run waits, within its ``--max-time``; ``--if-busy refuse``
ends it at once; either way an appliance that stays busy ends the run with exit 3 and one
line saying which run holds it, since when and until when at most. An appliance that
cannot be held (its policies cannot be listed or one cannot be created: an answer of the
appliance, which the run then judges) is run on without a hold, with a line saying that
another destructive run at the same time is not kept apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.core.context import RunContext
from conformance.core.errors import HarnessError
from conformance.custody.hold import Busy, Hold, shown
from conformance.custody.ledger import LEDGER_NAME, Ledger
from conformance.http.session import ScvSession

#: How long a run without ``--max-time`` may hold the appliance: its deadline then.
UNBOUNDED_HOLD_SECONDS = 6 * 3600.0
#: Beyond the run's deadline: its cleanup, then putting back (which may wait for jobs).
HOLD_MARGIN_SECONDS = 120.0


class Holding:
    """Takes the appliance at the start of a destructive run, gives it back at the end."""

    def __init__(self, context: RunContext, run_dir: Path, say: Callable[[str], None]) -> None:
        self.context = context
        self.run_dir = run_dir
        self.say = say
        self.hold: Hold | None = None
        #: Why the appliance could not be held (None: held, or no hold wanted).
        self.unheld: str | None = None
        self._session: ScvSession | None = None

    @property
    def wanted(self) -> bool:
        return self.context.destructive_on_appliance

    def deadline(self, clock: float) -> float | None:
        """The run's deadline (a ``time.monotonic`` value): ``--max-time`` from ``clock``;
        a destructive run against an appliance of its own always has one."""
        max_time = self.context.settings.max_time
        if max_time is not None:
            return clock + max_time
        return clock + UNBOUNDED_HOLD_SECONDS if self.wanted else None

    def take(self, deadline: float | None, stopped: Callable[[], bool]) -> str | None:
        """Hold the appliance until ``deadline`` and the cleanup after it; the line that ends
        the run when another run holds it, else None."""
        if not self.wanted:
            return None
        settings = self.context.settings
        self._session = self.context.session()
        self.hold = Hold(
            self._session,
            settings.run_id or "",
            self.say,
            ledger=Ledger(self.run_dir / LEDGER_NAME),
        )
        after = settings.cleanup_seconds + 2 * settings.job_timeout + HOLD_MARGIN_SECONDS

        def hold_seconds() -> float:
            left = UNBOUNDED_HOLD_SECONDS if deadline is None else deadline - time.monotonic()
            return max(left, 0.0) + after

        try:
            held = self.hold.take(
                hold_seconds,
                refuse=settings.if_busy == "refuse",
                wait_until=deadline,
                stopped=stopped,
            )
        except Busy as exc:
            return f"the appliance is busy: {exc}"
        except HarnessError as exc:
            self.unheld = str(exc)
            self.say(
                f"not holding the appliance: {exc}; another destructive run at the same time "
                "is not kept apart from this one"
            )
            return None
        if held and self.hold.mine is not None:
            self.say(
                f"holding the appliance until {shown(self.hold.mine.until)} at most "
                f"(policy {self.hold.mine.name}, removed when the run ends)"
            )
        return None

    def as_json(self) -> dict[str, Any] | None:
        """summary.json's ``hold``: the marker, until when, how long the run waited, for
        which run (the one that held it when this run last looked; None: no hold wanted)."""
        if self.hold is None:
            return None
        mine = self.hold.taken
        held = {
            "policy": None if mine is None else mine.name,
            "until": None if mine is None else mine.until.isoformat(),
            "waitedSeconds": round(self.hold.waited, 1),
            "waitedFor": None if self.hold.holder is None else self.hold.holder.run_id,
        }
        return held if self.unheld is None else {**held, "unheld": self.unheld}

    def give_back(self) -> None:
        """Remove the marker (again: a no-op); a line when it cannot be."""
        if self.hold is not None:
            problem = self.hold.give_back()
            if problem is not None:
                self.say(problem)
        if self._session is not None:
            self._session.close()
            self._session = None
