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
import signal
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.text import Text

from conformance import __version__
from conformance.contract.spec import Contract, load_contract
from conformance.core.context import RunContext
from conformance.core.errors import ExitCode, PreflightFailed, TargetUnreachable, UsageError
from conformance.core.manifest import MANIFEST_DIR
from conformance.core.settings import Settings
from conformance.custody.ledger import leftovers
from conformance.custody.run_names import new_run_id
from conformance.http.issued import IssuedSecrets
from conformance.http.recording import log_files
from conformance.http.redaction import (
    basic_auth,
    know,
    public_url,
    redact_strings,
    redactor,
    replace_secrets,
    secret_header_values,
    url_credentials,
)
from conformance.http.session import token_command
from conformance.reporting import interruption
from conformance.reporting.allure_polish import polish
from conformance.reporting.allure_results import read_results
from conformance.reporting.atomic import write_json, write_text
from conformance.reporting.baseline import accepted_tests, settle
from conformance.reporting.console import print_summary
from conformance.reporting.coverage import build_coverage, read_records, write_allure_globals
from conformance.reporting.har import write_har
from conformance.reporting.html import build_report
from conformance.reporting.junit import mark_accepted, merge, reconcile, write_error
from conformance.reporting.markdown import render
from conformance.reporting.metadata import write_metadata
from conformance.reporting.observations import write_observations
from conformance.reporting.run_dirs import new_run_dir
from conformance.reporting.scrub import scrub
from conformance.reporting.summary import RunFacts, build_summary, preflight_environment
from conformance.reporting.unwritten import ReportWrites
from conformance.run.accounting import Accounting
from conformance.run.console_redaction import ConsoleSecrets, redacted_consoles
from conformance.run.emulator_log import emulator_log
from conformance.run.holding import Holding
from conformance.run.other_runs import find_other_runs
from conformance.run.plan import REPORT_FORMATS, RunPlan
from conformance.run.progress import ProgressDisplay
from conformance.run.signals import StopRequest, StopSignals
from conformance.run.spawn import (
    ROOT,
    SUITES,
    PytestOutcome,
    Stopping,
    last_error_line,
    run_pytest_jobs,
    suite_job,
)
from conformance.run.target import open_context, played
from conformance.scenarios import loader
from conformance.scenarios.inventory import SECRET_INPUTS

#: Console width when the output is a log rather than a terminal.
PLAIN_WIDTH = 120
SEED_LIMIT = 2**31


def workflow_ids() -> list[str]:
    """The workflowIds of every workflow that is a test (not the cleanup helpers the tests
    call)."""
    return sorted(
        workflow.workflow_id
        for path in loader.scenario_files()
        for workflow in loader.load(path).tests
    )


def secret_values(settings: Settings) -> list[str]:
    """What must never be written: the passwords (the appliance's and vCenter's, the storage
    system's), their Basic-auth form, and credentials inside the target's and the proxy's
    URL."""
    values = secret_header_values(settings.headers)
    values += [c for c in (url_credentials(settings.target), url_credentials(settings.proxy)) if c]
    if settings.password:
        values.append(settings.password)
        values.append(basic_auth(settings.username or "", settings.password))
    values += [os.environ[name] for name in SECRET_INPUTS.values() if os.environ.get(name)]
    return values


def cleaned(message: str, settings: Settings) -> str:
    """``message`` without credentials in URLs or secret values."""
    for url in (settings.target, settings.proxy):
        if url:
            message = message.replace(url, public_url(url) or "")
    values = secret_values(settings)
    for value in values:
        if value.endswith("@"):  # credentials inside a URL
            message = message.replace(value, "")
    return replace_secrets(message, [v for v in values if not v.endswith("@")])


def execute(settings: Settings, plan: RunPlan, console: Console | None = None) -> int:
    """Run ``plan`` against the target of ``settings``; returns the exit code.

    SIGINT and SIGTERM (and ``--max-time``) stop the run the same way: the test processes
    clean up and the reports are written, marked interrupted.
    """
    plan.validate()
    issued = IssuedSecrets()
    know(secret_values(settings))
    shown = ConsoleSecrets(secret_values(settings), issued=issued.read)
    consoles = (console or plain_console(stderr=False), console or plain_console(stderr=True))
    try:
        with StopSignals() as stop, redacted_consoles(consoles, shown):
            return _execute(settings, plan, consoles, stop, issued, shown)
    finally:
        issued.close()


def _execute(
    settings: Settings,
    plan: RunPlan,
    consoles: tuple[Console, Console],
    stop: StopRequest,
    issued: IssuedSecrets,
    shown: ConsoleSecrets,
) -> int:
    """``consoles``: for the final table and for the run's lines; ``shown``: the secrets
    kept off both (every print passes through it)."""
    out, err = consoles
    started = datetime.now(UTC)
    clock = time.monotonic()
    seed = settings.seed if settings.seed is not None else secrets.randbelow(SEED_LIMIT)
    settings = replace(settings, seed=seed, run_id=new_run_id())
    run_dir = plan.into or new_run_dir(settings.report_dir.absolute(), started)
    err.print(
        Text(f"run {run_dir} · profile {plan.profile} · seed {seed} (replay with --seed {seed})")
    )
    facts = run_facts(settings, plan, started)
    contract = load_contract(overlays=settings.overlays)
    try:
        context = open_context(settings)
    except PreflightFailed as exc:
        facts = replace(facts, preflight_failed=exc.check, error=cleaned(str(exc), settings))
        return finish(run_dir, facts, clock, out, secret_values(settings), plan, contract)
    except TargetUnreachable as exc:
        facts = replace(facts, unreachable=True, error=cleaned(str(exc), settings))
        return finish(run_dir, facts, clock, out, secret_values(settings), plan, contract)
    except UsageError:
        _remove_if_empty(run_dir)
        raise
    except (OSError, RuntimeError) as exc:
        facts = replace(facts, error=f"the embedded emulator did not start: {exc}")
        return finish(run_dir, facts, clock, out, secret_values(settings), plan, contract)
    secrets_seen = [*secret_values(settings), context.target.password]
    shown.hide(secrets_seen)
    facts = with_target(facts, context)
    facts = replace(facts, preflight=context.findings.as_json() if context.findings else None)
    err.print(
        Text(
            f"target {facts.target}"
            f"{f' (embedded emulator{played(settings)})' if context.target.embedded else ''} · "
            f"appliance {context.reported_version or 'unknown'}"
        )
    )
    holding = Holding(context, run_dir, lambda line: err.print(Text(line)))
    deadline = holding.deadline(clock)
    stopping = Stopping(stop, grace=settings.cleanup_seconds, deadline=deadline)
    accounting = Accounting(context)
    try:
        busy = holding.take(deadline, lambda: stop.requested)
        if busy is not None:
            facts = replace(facts, busy=True, error=busy)
        elif not stop.requested:
            # both only read: the other runs' names are listed while custody reads the state
            with ThreadPoolExecutor(1, thread_name_prefix="other-runs") as pool:
                others = pool.submit(find_other_runs, context, settings.run_id or "")
                accounting.open()
                seen = others.result()
            for other in seen:
                err.print(Text(other.line()))
            facts = replace(facts, other_runs=tuple(other.as_json() for other in seen))
        if busy is None and not stop.requested:
            with emulator_log(run_dir / "emulator.log"):
                facts = _run_suites(
                    context, plan, run_dir, facts, err, stopping, issued.variables()
                )
        if stop.requested:
            reason = stop.reason or "SIGINT"
            facts = replace(
                facts,
                interrupted=reason,
                error=interruption.describe(reason, settings.max_time),
            )
        facts = replace(facts, custody=accounting.close(run_dir))
        holding.give_back()
        if stop.requested and facts.interrupted is None:
            err.print(
                Text(
                    f"stop request ({stop.reason}) after the tests had ended: the appliance "
                    "was put back first; the run is complete"
                )
            )
        facts = replace(facts, hold=holding.as_json())
    except KeyboardInterrupt:
        holding.give_back()
        facts = replace(facts, error="interrupted")
        finish(run_dir, facts, clock, out, [*secrets_seen, *issued.read()], plan, contract)
        raise
    finally:
        holding.give_back()
        context.close()
    return finish(run_dir, facts, clock, out, [*secrets_seen, *issued.read()], plan, contract)


def run_facts(settings: Settings, plan: RunPlan, started: datetime) -> RunFacts:
    """What is known of a run before its target is opened (the seed settled)."""
    contract = load_contract(overlays=settings.overlays)
    return RunFacts(
        target=public_url(settings.target),
        appliance_version=None,
        contract_path=_relative(contract.path),
        contract_sha256=contract.sha256,
        contract_version=contract.version,
        start_time=started.isoformat(timespec="seconds"),
        duration_seconds=0.0,
        seed=settings.seed,
        profile=plan.profile,
        suites=plan.suites,
        selection=plan.selection.to_dict(),
        replay=plan.replay_command(settings.seed or 0),
        strict=settings.strict if settings.strict is not None else settings.target is None,
    )


def with_target(facts: RunFacts, context: RunContext) -> RunFacts:
    """``facts`` with what opening the target told: its URL, release, how to log in."""
    return replace(
        facts,
        target=public_url(context.target.base_url),
        appliance_version=context.reported_version,
        strict=context.strict,
        token_command=token_command(
            public_url(context.target.base_url) or "",
            context.target.username,
            verify=False if context.target.embedded else context.target.verify,
            proxy=public_url(context.target.proxy) if context.target.proxy else None,
        ),
    )


def _run_suites(
    context: RunContext,
    plan: RunPlan,
    run_dir: Path,
    facts: RunFacts,
    console: Console,
    stopping: Stopping,
    variables: Mapping[str, str],
) -> RunFacts:
    if plan.runs_suites_apart(context.target.embedded):
        return _run_suites_apart(context, plan, run_dir, facts, console, stopping, variables)
    suites = [SUITES[name] for name in plan.suites]
    job = suite_job(
        context,
        suites,
        run_dir,
        profile=plan.profile,
        selection=plan.selection,
        max_failures=plan.max_failures,
        workers=plan.workers,
        processes=plan.workers or 1,
    )
    job = replace(job, environment={**job.environment, **variables})
    (outcome,) = run_pytest_jobs([job], ProgressDisplay(console), stopping)
    return _outcome_facts(outcome, plan, facts)


def _run_suites_apart(
    context: RunContext,
    plan: RunPlan,
    run_dir: Path,
    facts: RunFacts,
    console: Console,
    stopping: Stopping,
    variables: Mapping[str, str],
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
                    selection=plan.selection,
                    max_failures=plan.max_failures,
                    workers=workers,
                    name=name,
                    processes=(plan.workers or 1) + 1,
                )
            )
        jobs = [replace(job, environment={**job.environment, **variables}) for job in jobs]
        outcomes = run_pytest_jobs(jobs, ProgressDisplay(console), stopping)
    merge([run_dir / f"junit-{name}.xml" for name in plan.suites], run_dir / "junit.xml")
    results = [_outcome_facts(outcome, plan, facts) for outcome in outcomes]
    return next((r for r in results if r.error), results[0])


def _outcome_facts(outcome: PytestOutcome, plan: RunPlan, facts: RunFacts) -> RunFacts:
    facts = replace(facts, collect_errors=outcome.collect_errors)
    code = outcome.returncode
    if code < 0 or code > 5:
        # killed (a signal) or ended outside pytest: its results stop where it stopped, and
        # what they say is no verdict on the target
        how = f"signal {_signal_name(-code)}" if code < 0 else f"exit code {code}"
        detail = f"the tests ended abruptly ({how}) before they were all run"
        return replace(facts, error=f"pytest {detail} (see {outcome.log_path.name})")
    if code in (2, 3):
        reason = "interrupted" if code == 2 else "internal error"
        detail = last_error_line(outcome.log_path)
        return replace(facts, error=f"pytest {reason}: {detail} (see {outcome.log_path.name})")
    if code == 4:
        detail = last_error_line(outcome.log_path).removeprefix("ERROR: ")
        return replace(facts, error=f"pytest usage error: {detail}", error_code=ExitCode.USAGE)
    if code == 5:
        narrowed = bool(plan.selection.to_dict())
        what = "the selection" if narrowed else "the suites"
        return replace(
            facts,
            error=f"no tests were collected for {what}",
            error_code=ExitCode.USAGE if narrowed else None,
        )
    return facts


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def finish(
    run_dir: Path,
    facts: RunFacts,
    clock: float,
    console: Console,
    hidden: list[str],
    plan: RunPlan,
    contract: Contract | None = None,
) -> int:
    facts = replace(
        facts, duration_seconds=time.monotonic() - clock, leftovers=tuple(leftovers(run_dir))
    )
    """Write every report of a run from its Allure results, print the end; the exit code.

    ``clock``: ``time.monotonic()`` at the start; ``hidden``: values no file may keep;
    ``contract``: the run's (overlays applied), for the coverage view.
    """
    know(hidden)  # every message the reports cut is redacted first
    results_dir = run_dir / "allure-results"
    writes = ReportWrites(run_dir)  # a full disk ends the run with exit 3, keeping the rest
    writes.attempt("allure-results", polish, results_dir)
    results = read_results(results_dir)
    junit = run_dir / "junit.xml"
    if writes.attempt("junit.xml", reconcile, junit, results) is None and facts.error:
        writes.attempt(
            "junit.xml",
            write_error,
            junit,
            facts.preflight_failed or ("target" if facts.unreachable else "run"),
            facts.error,
        )
    if facts.interrupted:
        text = facts.error or interruption.describe(facts.interrupted)
        writes.attempt("junit.xml", interruption.mark_junit, junit, text, facts.leftovers)
    writes.attempt(
        "allure-results",
        write_metadata,
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
            **preflight_environment(facts.preflight),
        },
    )
    writes.attempt("observations.json", write_observations, run_dir, results, facts)
    record = plan.record
    if record is None and "har" in plan.reports:
        record = run_dir / REPORT_FORMATS["har"]
    if record is not None:
        writes.attempt(str(record), write_har, log_files(run_dir), record, hidden)
    coverage = build_coverage(contract or load_contract(), read_records(run_dir / MANIFEST_DIR))
    if results:
        stamp = int(time.time() * 1000)
        writes.attempt("allure-results", write_allure_globals, results_dir, coverage, stamp)
    summary = build_summary(results, facts, coverage)
    summary = settle(summary, plan.baseline, plan.write_baseline, hidden)
    mark_accepted(run_dir / "junit.xml", accepted_tests(summary))
    # the summary is shown as well as written: its text is scrubbed here, the files below
    summary = redact_strings(summary, redactor(frozenset(hidden)))
    if facts.interrupted:
        writes.attempt(
            "allure-results",
            interruption.mark_allure,
            results_dir,
            summary.get("error", ""),
            facts.leftovers,
        )
    summary = writes.marked(summary)
    writes.attempt("summary.json", write_json, run_dir / "summary.json", summary)
    writes.attempt("summary.md", write_text, run_dir / "summary.md", render(summary))
    writes.attempt("the secret scrub", scrub, run_dir, hidden)
    print_summary(console, writes.marked(summary), _shown(run_dir), sealed=plan.into is not None)
    writes.check()
    code = int(summary["exitCode"])
    if "html" in plan.reports:
        # the report asked for and not built is the machine's trouble (no Allure, ...)
        built = build_report(str(run_dir), str(run_dir.parent))
        return code or built
    return code


def plain_console(stderr: bool) -> Console:
    """The console of a command: a log (not a terminal) gets lines of PLAIN_WIDTH."""
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


__all__ = ["RunPlan", "execute", "finish", "run_facts", "with_target"]
