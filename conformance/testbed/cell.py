"""One cell: the integration's command run against one release under one condition.

A cell passes when the command exits 0 and the proxy found its traffic conformant: no
client failure (a deviation is reported, and fails the cell only under ``--strict``), and
at least one request, since a command that never reached the appliance proves nothing.
A cell whose appliance could not be started is an error (the harness's, not the
integration's).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core.errors import HarnessError, UsageError
from conformance.testbed.integration import Appliance, Outcome, run_command, write_output
from conformance.testbed.matrix import Cell

PASSED = "passed"
FAILED = "failed"
ERROR = "error"
NOT_RUN = "not run"
#: How much of the command's last line of output a failing cell's reason quotes.
LAST_LINE_LIMIT = 200


@dataclass(frozen=True)
class Traffic:
    """What the proxy made of the command's requests (its run folder's summary.json)."""

    requests: int
    failures: tuple[dict[str, Any], ...] = ()
    deviations: tuple[dict[str, Any], ...] = ()
    #: what the proxy found in the emulator's answers (the integration is not judged by it)
    appliance: tuple[dict[str, Any], ...] = ()
    folder: Path | None = None
    #: the proxy's own trouble (e.g. the upstream did not answer), if any
    error: str | None = None


class Front(AbstractContextManager["Front"]):
    """The appliance of a cell (an emulator, the proxy in front) while the command runs."""

    appliance: Appliance
    #: tokens and other values the command's output must not show
    secrets: Sequence[str]

    def traffic(self) -> Traffic:
        """The proxy's judgement, once it has stopped (after the ``with`` block)."""
        raise NotImplementedError


#: Makes the front of a cell, writing its reports under the folder given.
FrontFactory = Callable[[Cell, Path], Front]


@dataclass(frozen=True)
class CellOptions:
    """How every cell of a matrix runs its command."""

    argv: tuple[str, ...]
    timeout: float
    strict: bool = False
    #: set when the matrix is asked to stop: running commands end, no cell starts
    stop: threading.Event = field(default_factory=threading.Event, compare=False)


@dataclass
class CellResult:
    """The verdict of one cell and why."""

    cell: Cell
    status: str
    reasons: list[str] = field(default_factory=list)
    outcome: Outcome | None = None
    traffic: Traffic | None = None
    folder: Path | None = None
    duration_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == PASSED


def run_cell(cell: Cell, options: CellOptions, folder: Path, front: FrontFactory) -> CellResult:
    """Start the cell's appliance, run the command against it, judge both."""
    started = time.monotonic()
    try:
        with front(cell, folder) as running:
            outcome = run_command(
                options.argv, running.appliance, options.timeout, folder, stop=options.stop
            )
        # the tokens the command was given are known once the proxy has stopped
        output = write_output(outcome, folder, running.secrets)
        traffic = running.traffic()
    except UsageError:
        raise
    except HarnessError as exc:
        return CellResult(
            cell,
            ERROR,
            [f"the appliance of this cell could not be run: {exc}"],
            folder=folder,
            duration_seconds=round(time.monotonic() - started, 3),
        )
    result = judge(cell, options, outcome, traffic, last_line(output))
    result.folder = folder
    result.duration_seconds = round(time.monotonic() - started, 3)
    return result


def judge(
    cell: Cell, options: CellOptions, outcome: Outcome, traffic: Traffic, said: str = ""
) -> CellResult:
    """The cell's verdict from how the command ended (and the last line it ``said``) and
    what the proxy found."""
    reasons = []
    if not outcome.succeeded:
        ended = outcome.describe(options.timeout)
        reasons.append(f"{ended}: {said}" if said else ended)
    if traffic.error:
        return CellResult(cell, ERROR, [*reasons, traffic.error], outcome, traffic)
    if traffic.requests == 0:
        reasons.append("the command sent no request to SCV_URL")
    reasons += [f"client failure: {describe_finding(f)}" for f in traffic.failures]
    if options.strict:
        reasons += [f"deviation (--strict): {describe_finding(d)}" for d in traffic.deviations]
    return CellResult(cell, FAILED if reasons else PASSED, reasons, outcome, traffic)


def last_line(output: Path, limit: int = LAST_LINE_LIMIT) -> str:
    """The last non-blank line of the command's (redacted) output, cut to ``limit``."""
    try:
        lines = output.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    line = next((text.strip() for text in reversed(lines) if text.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def describe_finding(finding: dict[str, Any]) -> str:
    """``operationId: rule: message`` of a finding in a summary.json."""
    rule = finding.get("rule") or finding.get("check")
    parts = [
        str(value)
        for value in (finding.get("operationId"), rule, finding.get("message"))
        if value not in (None, "")
    ]
    return ": ".join(parts) or "unnamed finding"


def not_run(cell: Cell, why: str) -> CellResult:
    """A cell the matrix did not get to (interrupted)."""
    return CellResult(cell, NOT_RUN, [why])
