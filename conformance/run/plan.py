"""What a run runs: suites, profile, selection, limits and the line that replays it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conformance.contract.spec import load_contract
from conformance.core.errors import UsageError
from conformance.core.selection import Selection
from conformance.reporting.baseline import Baseline

PROFILES = ("smoke", "full")
#: The suites, by the name ``--only`` and the summary use (``conformance.run.spawn.SUITES``).
SUITE_NAMES = ("fuzz", "scenarios")
#: ``--report`` formats (``st run``'s names) -> what of a run they are. The first three
#: every run writes; ``har`` and ``html`` are written when asked for.
REPORT_FORMATS = {
    "junit": "junit.xml",
    "allure": "allure-results/",
    "json": "summary.json",
    "har": "exchanges.har",
    "html": "allure-report/",
}


@dataclass(frozen=True)
class RunPlan:
    """What to run: which suites, how deep, what they select, how many workers."""

    suites: tuple[str, ...] = ("fuzz", "scenarios")
    profile: str = "smoke"
    workers: int | None = None
    selection: Selection = field(default_factory=Selection)
    #: Stop after this many failed or broken tests.
    max_failures: int | None = None
    #: ``--report`` formats (keys of :data:`REPORT_FORMATS`).
    reports: tuple[str, ...] = ()
    #: The command line that replays this run, without its seed (``--seed`` is added).
    replay: tuple[str, ...] = ()
    #: The option that gives the seed on that command line.
    seed_option: str = "--seed"
    #: ``--record FILE``: every exchange as HAR 1.2 (absolute: relative to the user's cwd).
    record: Path | None = None
    baseline: Baseline | None = None
    write_baseline: Path | None = None
    #: Write the run into this (empty, existing) folder instead of a fresh one under
    #: ``--report-dir``: ``certify`` runs straight into its bundle.
    into: Path | None = None

    def validate(self) -> None:
        unknown = [s for s in self.suites if s not in SUITE_NAMES]
        if unknown or not self.suites:
            raise UsageError(
                f"unknown suite {unknown[0] if unknown else '(none)'!r}; "
                f"choose from {', '.join(SUITE_NAMES)}"
            )
        if self.profile not in PROFILES:
            raise UsageError(f"--profile: choose smoke or full, not {self.profile!r}")
        if self.workers is not None and self.workers < 1:
            raise UsageError("--workers: must be at least 1")
        if self.record is not None and (self.record.is_dir() or not self.record.parent.is_dir()):
            raise UsageError(f"--record: cannot write a file at {self.record}")
        if self.max_failures is not None and self.max_failures < 1:
            raise UsageError("--max-failures: must be at least 1")
        if "fuzz" in self.suites:
            self.selection.validate(load_contract().operations)

    def runs_suites_apart(self, embedded: bool) -> bool:
        """Both suites against the embedded emulator, one process each, at the same time.

        Not with ``--max-failures``: one process counts the failures of the whole run.
        """
        return len(self.suites) > 1 and embedded and not self.max_failures

    def replay_command(self, seed: int) -> str:
        """The command line that runs this plan again with ``seed``."""
        words = self.replay or ("scv-conformance", "run", "--profile", self.profile)
        return " ".join([*words, self.seed_option, str(seed)])
