"""Per-check verdicts: how many cases a check passed, which failed or deviated, and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.http.session import Exchange

#: Failing cases kept per check for the report; the count covers all of them.
MAX_KEPT_FAILURES = 3


@dataclass(frozen=True)
class Finding:
    """One failing case: what went wrong and the exchange that shows it."""

    title: str
    message: str
    exchange: Exchange | None
    #: The case contradicts only an assumption of ours (see ``conformance.fuzz.grading``).
    deviation: bool = False

    @property
    def curl(self) -> str:
        return self.exchange.as_curl() if self.exchange else "(no request was sent)"


@dataclass
class Verdict:
    """What one check concluded over every case it judged."""

    check: str
    passed: int = 0
    not_applicable: int = 0
    failed: int = 0
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Cases that contradicted only our assumptions, and the kept ones.
    deviated: int = 0
    deviations: list[Finding] = field(default_factory=list)
    #: When the first case this check judged was sent and the last answered (epoch s).
    started: float | None = None
    finished: float | None = None

    @property
    def judged(self) -> int:
        return self.passed + self.failed + self.deviated

    def saw(self, start: float, end: float) -> None:
        """Widen the check's time span to a case sent at ``start`` and done at ``end``."""
        self.started = start if self.started is None else min(self.started, start)
        self.finished = end if self.finished is None else max(self.finished, end)

    def add_pass(self) -> None:
        self.passed += 1

    def add_failure(self, finding: Finding) -> None:
        """A failing case: a failure, or a deviation when ``finding.deviation``."""
        kept = self.deviations if finding.deviation else self.findings
        if finding.deviation:
            self.deviated += 1
        else:
            self.failed += 1
        known = {f.message for f in kept}
        if len(kept) < MAX_KEPT_FAILURES and finding.message not in known:
            kept.append(finding)

    def add_error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)


@dataclass
class FuzzResult:
    """The verdicts of one engine run (an operation, or the stateful phase)."""

    verdicts: dict[str, Verdict] = field(default_factory=dict)
    cases: int = 0
    elapsed: float = 0.0
    #: Errors that stopped cases from being judged at all (target unreachable, ...).
    errors: list[str] = field(default_factory=list)

    def verdict(self, check: str) -> Verdict:
        if check not in self.verdicts:
            self.verdicts[check] = Verdict(check)
        return self.verdicts[check]
