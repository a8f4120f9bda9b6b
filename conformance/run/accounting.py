"""The parent's side of a destructive run's account of the appliance.

Against an appliance of its own, a run that may change state reads the appliance at the
start and, once the test processes have ended however they ended, puts back and reads again
(:mod:`conformance.custody.account`); the result is summary.json's ``custody``. The
embedded emulator, which the run starts and stops, is read by nobody after the run: there
the run only removes what fuzzing still owes (the same requests, so every plain run
exercises them), and its report lists no leftovers of an emulator that is gone.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from conformance.core.context import RunContext
from conformance.core.errors import HarnessError
from conformance.core.manifest import MANIFEST_DIR
from conformance.custody.account import Account
from conformance.custody.holdings import holdings
from conformance.custody.putback import remove_owed
from conformance.http.session import ScvSession
from conformance.reporting.coverage import read_records
from conformance.scenarios.harness import vcenter_client
from conformance.scenarios.job_polling import JobTracker
from conformance.scenarios.vcenter import VcenterClient


class Accounting:
    """Opens the account at the start of a run, closes it at the end."""

    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.account: Account | None = None
        self.error: str | None = None

    @property
    def wanted(self) -> bool:
        return self.context.destructive_on_appliance

    def open(self) -> None:
        """Read the state the run starts from (nothing without state changes allowed)."""
        if not self.wanted:
            return
        try:
            with self._clients() as (scv, vcenter):
                self.account = Account.opened(
                    self.context.contract,
                    scv,
                    vcenter,
                    self.context.settings.run_id or "",
                    self.context.settings.concurrency,
                )
        except HarnessError as exc:
            self.error = f"the appliance's state could not be read at the start: {exc}"

    def close(self, run_dir: Path) -> dict[str, Any] | None:
        """Put back and compare; summary.json's ``custody`` (None when nothing was read)."""
        if self.context.target.embedded:  # state changes are always allowed there
            self._remove_owed(run_dir)
            return None
        if self.account is None:
            return {"error": self.error} if self.error else None
        records = read_records(run_dir / MANIFEST_DIR)
        try:
            with self._clients() as (scv, vcenter):
                return self.account.close(run_dir, records, scv, vcenter, self._waiter(scv))
        except HarnessError as exc:
            return {"error": f"the appliance could not be put back and read again: {exc}"}

    def _remove_owed(self, run_dir: Path) -> None:
        """Remove what fuzzing still owes on the embedded emulator (what fails stays listed
        among the run's leftovers)."""
        try:
            with self._clients() as (scv, _):
                remove_owed(
                    scv,
                    holdings(self.context.contract),
                    run_dir,
                    self._waiter(scv),
                    self.context.settings.concurrency,
                )
        except HarnessError:
            pass  # the leftovers name what is still owed

    def _waiter(self, scv: ScvSession) -> Callable[[list[str]], None]:
        """Waits for the given jobs and those already followed (the run's job timeout each
        time; twice that in all, so jobs that never end cannot stretch the putting back)."""
        timeout = self.context.settings.job_timeout
        jobs = JobTracker(scv, timeout)
        budget_ends = time.monotonic() + 2 * timeout

        def wait(job_ids: list[str]) -> None:
            jobs.running.update(job_ids)
            left = budget_ends - time.monotonic()
            if left > 0:
                jobs.timeout = min(timeout, left)
                jobs.wait()

        return wait

    @contextlib.contextmanager
    def _clients(self) -> Iterator[tuple[ScvSession, VcenterClient | None]]:
        with contextlib.ExitStack() as stack:
            scv = stack.enter_context(self.context.session())
            vcenter = vcenter_client(self.context)
            if vcenter is not None:
                stack.callback(vcenter.close)
            yield scv, vcenter
