"""`scv-conformance run`: open the target, run the suites under pytest, write every report.

A run goes: make ``REPORT_DIR/<UTC timestamp>/``, pick a seed, open the context (starting
the embedded emulator when no target is given), run pytest in a child process with the
suites' plugins while showing progress, stop the emulator, derive summary.json,
summary.md and the Allure metadata from the Allure results, print the final table and
return the exit code.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.text import Text

from conformance import __version__
from conformance.core.context import RunContext
from conformance.core.contract import load_contract
from conformance.core.errors import ExitCode, TargetUnreachable, UsageError
from conformance.core.recording import log_files
from conformance.core.redaction import REDACTED
from conformance.core.settings import Settings
from conformance.reporting.allure_results import read_results
from conformance.reporting.atomic import write_json, write_text
from conformance.reporting.baseline import Baseline, settle
from conformance.reporting.console import print_summary
from conformance.reporting.har import write_har
from conformance.reporting.junit import merge, reconcile
from conformance.reporting.markdown import render
from conformance.reporting.metadata import write_metadata
from conformance.reporting.observations import write_observations
from conformance.reporting.run_dirs import new_run_dir
from conformance.reporting.scrub import scrub
from conformance.reporting.summary import RunFacts, build_summary
from conformance.run.child import (
    ROOT,
    SUITES,
    PytestOutcome,
    last_error_line,
    run_pytest_jobs,
    suite_job,
)
from conformance.run.emulator_log import emulator_log
from conformance.run.progress import ProgressDisplay
from conformance.run.target import open_context
from conformance.scenarios import loader

PROFILES = ("smoke", "full")
#: Console width when the output is a log rather than a terminal.
PLAIN_WIDTH = 120
SEED_LIMIT = 2**31


@dataclass(frozen=True)
class RunPlan:
    """What to run: which suites, how deep, which workflow, how many workers."""

    suites: tuple[str, ...] = ("fuzz", "scenarios")
    profile: str = "smoke"
    workflow: str | None = None
    workers: int | None = None
    #: ``--record FILE``: every exchange as HAR 1.2 (absolute: relative to the user's cwd).
    record: Path | None = None
    baseline: Baseline | None = None
    write_baseline: Path | None = None

    def validate(self) -> None:
        unknown = [s for s in self.suites if s not in SUITES]
        if unknown or not self.suites:
            raise UsageError(
                f"unknown suite {unknown[0] if unknown else '(none)'!r}; "
                f"choose from {', '.join(SUITES)}"
            )
        if self.profile not in PROFILES:
            raise UsageError(f"--profile: choose smoke or full, not {self.profile!r}")
        if self.workers is not None and self.workers < 1:
            raise UsageError("--workers: must be at least 1")
        if self.record is not None and (self.record.is_dir() or not self.record.parent.is_dir()):
            raise UsageError(f"--record: cannot write a file at {self.record}")
        if self.workflow is not None:
            known = workflow_ids()
            if self.workflow not in known:
                raise UsageError(
                    f"--only: no workflow {self.workflow!r}; choose from {', '.join(known)}"
                )

    def runs_suites_apart(self, context: RunContext) -> bool:
        """Both suites against the embedded emulator, one process each, at the same time."""
        return len(self.suites) > 1 and context.target.embedded


def workflow_ids() -> list[str]:
    """The workflowIds of every scenario document."""
    return sorted(
        workflow.workflow_id
        for path in loader.scenario_files()
        for workflow in loader.load(path).workflows
    )


def public_url(url: str | None) -> str | None:
    """``url`` without any user name or password in it."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def secret_values(settings: Settings) -> list[str]:
    """What must never be written: the password, and credentials inside the target URL."""
    values = []
    if settings.target:
        userinfo = urlsplit(settings.target).netloc.rpartition("@")[0]
        if userinfo:
            values.append(userinfo + "@")
    if settings.password:
        values.append(settings.password)
    return values


def _clean(message: str, settings: Settings) -> str:
    if settings.target:
        message = message.replace(settings.target, public_url(settings.target) or "")
    for value in secret_values(settings):
        message = message.replace(value, REDACTED if not value.endswith("@") else "")
    return message


def execute(settings: Settings, plan: RunPlan, console: Console | None = None) -> int:
    """Run ``plan`` against the target of ``settings``; returns the exit code."""
    plan.validate()
    out = console or _console(stderr=False)
    err = console or _console(stderr=True)
    started = datetime.now(UTC)
    clock = time.monotonic()
    seed = settings.seed if settings.seed is not None else secrets.randbelow(SEED_LIMIT)
    settings = replace(settings, seed=seed)
    run_dir = new_run_dir(settings.report_dir.absolute(), started)
    err.print(
        Text(f"run {run_dir} · profile {plan.profile} · seed {seed} (replay with --seed {seed})")
    )
    contract = load_contract(overlays=settings.overlays)
    facts = RunFacts(
        target=public_url(settings.target),
        appliance_version=None,
        contract_path=_relative(contract.path),
        contract_sha256=contract.sha256,
        contract_version=contract.version,
        start_time=started.isoformat(timespec="seconds"),
        duration_seconds=0.0,
        seed=seed,
        profile=plan.profile,
        suites=plan.suites,
        workflow=plan.workflow,
    )
    try:
        context = open_context(settings)
    except TargetUnreachable as exc:
        facts = replace(facts, unreachable=True, error=_clean(str(exc), settings))
        return _finish(run_dir, facts, clock, out, secret_values(settings), plan)
    except UsageError:
        _remove_if_empty(run_dir)
        raise
    except (OSError, RuntimeError) as exc:
        facts = replace(facts, error=f"the embedded emulator did not start: {exc}")
        return _finish(run_dir, facts, clock, out, secret_values(settings), plan)
    secrets_seen = [*secret_values(settings), context.target.password]
    facts = replace(
        facts,
        target=public_url(context.target.base_url),
        appliance_version=context.reported_version,
    )
    err.print(
        Text(
            f"target {facts.target}"
            f"{' (embedded emulator)' if context.target.embedded else ''} · "
            f"appliance {context.reported_version or 'unknown'}"
        )
    )
    try:
        with emulator_log(run_dir / "emulator.log"):
            facts = _run_suites(context, plan, run_dir, facts, err)
    except KeyboardInterrupt:
        facts = replace(facts, error="interrupted")
        _finish(run_dir, facts, clock, out, secrets_seen, plan)
        raise
    finally:
        context.close()
    return _finish(run_dir, facts, clock, out, secrets_seen, plan)


def _run_suites(
    context: RunContext, plan: RunPlan, run_dir: Path, facts: RunFacts, console: Console
) -> RunFacts:
    if plan.runs_suites_apart(context):
        return _run_suites_apart(context, plan, run_dir, facts, console)
    suites = [SUITES[name] for name in plan.suites]
    job = suite_job(
        context,
        suites,
        run_dir,
        profile=plan.profile,
        workflow=plan.workflow,
        workers=plan.workers,
    )
    (outcome,) = run_pytest_jobs([job], ProgressDisplay(console))
    return _outcome_facts(outcome, plan, facts)


def _run_suites_apart(
    context: RunContext, plan: RunPlan, run_dir: Path, facts: RunFacts, console: Console
) -> RunFacts:
    """Each suite in a pytest of its own, at once, each against an emulator of its own.

    Fuzzing changes the appliance's state at random; the workflows expect it as seeded.
    Two embedded emulators keep them apart and use both cores.
    """
    jobs = []
    with open_context(context.settings) as second:
        for name, suite_context in zip(plan.suites, (context, second), strict=True):
            # the workflows share one appliance state: only fuzzing spreads over workers
            workers = plan.workers if name == "fuzz" else None
            jobs.append(
                suite_job(
                    suite_context,
                    [SUITES[name]],
                    run_dir,
                    profile=plan.profile,
                    workflow=plan.workflow,
                    workers=workers,
                    name=name,
                )
            )
        outcomes = run_pytest_jobs(jobs, ProgressDisplay(console))
    merge([run_dir / f"junit-{name}.xml" for name in plan.suites], run_dir / "junit.xml")
    results = [_outcome_facts(outcome, plan, facts) for outcome in outcomes]
    return next((r for r in results if r.error), results[0])


def _outcome_facts(outcome: PytestOutcome, plan: RunPlan, facts: RunFacts) -> RunFacts:
    facts = replace(facts, collect_errors=outcome.collect_errors)
    code = outcome.returncode
    if code in (2, 3):
        reason = "interrupted" if code == 2 else "internal error"
        detail = last_error_line(outcome.log_path)
        return replace(facts, error=f"pytest {reason}: {detail} (see {outcome.log_path.name})")
    if code == 4:
        detail = last_error_line(outcome.log_path).removeprefix("ERROR: ")
        return replace(facts, error=f"pytest usage error: {detail}", error_code=ExitCode.USAGE)
    if code == 5:
        what = f"workflow {plan.workflow!r}" if plan.workflow else "the suites"
        return replace(
            facts,
            error=f"no tests were collected for {what}",
            error_code=ExitCode.USAGE if plan.workflow else None,
        )
    return facts


def _finish(
    run_dir: Path,
    facts: RunFacts,
    clock: float,
    console: Console,
    hidden: list[str],
    plan: RunPlan,
) -> int:
    facts = replace(facts, duration_seconds=time.monotonic() - clock)
    results_dir = run_dir / "allure-results"
    results = read_results(results_dir)
    reconcile(run_dir / "junit.xml", results)
    write_metadata(
        results_dir,
        {
            "Target": facts.target or "embedded emulator",
            "Appliance.version": facts.appliance_version or "unknown",
            "Contract.version": facts.contract_version,
            "Contract.sha256": facts.contract_sha256,
            "Harness.version": __version__,
            "Seed": facts.seed,
            "Profile": facts.profile,
            "Python": sys.version.split()[0],
        },
    )
    write_observations(run_dir, results, facts)
    if plan.record is not None:
        write_har(log_files(run_dir), plan.record, hidden)
    summary = build_summary(results, facts)
    summary = settle(summary, plan.baseline, plan.write_baseline, hidden)
    write_json(run_dir / "summary.json", summary)
    write_text(run_dir / "summary.md", render(summary))
    scrub(run_dir, hidden)
    print_summary(console, summary, _shown(run_dir))
    return int(summary["exitCode"])


def _console(stderr: bool) -> Console:
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PLAIN_WIDTH
    return console


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _shown(run_dir: Path) -> Path:
    try:
        return run_dir.relative_to(Path.cwd())
    except ValueError:
        return run_dir


def _remove_if_empty(run_dir: Path) -> None:
    with contextlib.suppress(OSError):
        run_dir.rmdir()


__all__ = ["RunPlan", "execute"]
