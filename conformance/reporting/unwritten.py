"""Reports a full disk refuses: the run ends as an infrastructure error, the rest is kept.

A disk that fills up during a run (or a file system that refuses writes) says nothing of
the appliance: each report is attempted on its own, so what can be written is written and
what was written stays; the run then ends with exit code 3 and one line naming what is
missing, never with a traceback and exit 1 ("not conformant").
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.core.errors import ExitCode, InfrastructureError

#: Errors of a file system that has no room or takes no writes.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


class ReportsUnwritten(InfrastructureError):
    """Some of a run's reports could not be written."""


def no_room(exc: OSError) -> str | None:
    """One line for an error of a full or read-only file system, else None."""
    if exc.errno not in NO_ROOM:
        return None
    where = f" {exc.filename}" if exc.filename else ""
    return f"cannot write{where}: {exc.strerror or exc} (is the disk full?)"


class ReportWrites:
    """The writes of one run's reports, each attempted on its own."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.failed: list[tuple[str, str]] = []

    def attempt(self, what: str, write: Callable[..., Any], *args: Any) -> Any:
        """``write(*args)``; a refused write is noted instead of raised (None then)."""
        try:
            return write(*args)
        except OSError as exc:
            self.failed.append((what, exc.strerror or str(exc)))
            return None

    def line(self) -> str | None:
        """What could not be written, in one line (None: everything was)."""
        if not self.failed:
            return None
        names = ", ".join(what for what, _ in self.failed)
        return (
            f"could not write {names} in {self.run_dir} ({self.failed[0][1]}); "
            "what was written is kept"
        )

    def marked(self, summary: dict[str, Any]) -> dict[str, Any]:
        """``summary`` as the run ends when reports are missing: an infrastructure error."""
        line = self.line()
        if line is None:
            return summary
        error = summary.get("error")
        return {
            **summary,
            "status": "error",
            "exitCode": int(ExitCode.INFRASTRUCTURE),
            "error": f"{error}; {line}" if error else line,
        }

    def check(self) -> None:
        """ReportsUnwritten when a report is missing."""
        line = self.line()
        if line is not None:
            raise ReportsUnwritten(line)
