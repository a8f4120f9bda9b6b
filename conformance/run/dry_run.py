"""`--dry-run`: what a run would run and what it would skip, and why, without a request.

No emulator is started and the target is not probed: against a real appliance the release
is the one ``--appliance-version`` gives, else the newest the contract knows (said so in
the listing), so version skips are only as right as that.
"""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance.contract.spec import LATEST_RELEASE, load_contract
from conformance.core.context import RunContext
from conformance.core.errors import ExitCode, UsageError
from conformance.core.settings import Settings
from conformance.fuzz.items import operation_checks, stateful_checks
from conformance.fuzz.probes import PROBE_CHECKS
from conformance.fuzz.profiles import get_profile
from conformance.http.redaction import public_url
from conformance.http.session import Target
from conformance.run.plan import RunPlan
from conformance.run.runner import plain_console
from conformance.run.target import played
from conformance.scenarios import harness, loader
from conformance.scenarios.arazzo.document import Workflow


def offline_context(settings: Settings) -> RunContext:
    """The run's context as far as it is known without talking to the target."""
    embedded = settings.target is None
    target = Target(
        base_url=settings.target or "the embedded emulator",
        username=settings.username or "",
        password="",
        verify=settings.tls_verify,
        vcenter_url=settings.vcenter,
        embedded=embedded,
    )
    return RunContext(
        settings=settings,
        target=target,
        contract=load_contract(overlays=settings.overlays),
        release=settings.appliance_version or LATEST_RELEASE,
        reported_version=None,
    )


def dry_run(settings: Settings, plan: RunPlan, console: Console | None = None) -> int:
    """Print the listing; exit code 0 (UsageError for a plan that cannot run)."""
    plan.validate()
    out = console or plain_console(stderr=False)
    # everything that can refuse the command (an overlay, a document) is read before the
    # first line is printed: a usage error is one line, not a table and then a line
    context = offline_context(settings)
    workflows = _load_workflows(settings) if "scenarios" in plan.suites else []
    tally: Counter[str] = Counter()
    where = (
        f"the embedded emulator{played(settings)}"
        if context.target.embedded
        else public_url(settings.target)
    )
    release = (
        f"release {context.release}"
        if context.target.embedded or settings.appliance_version
        else f"release {context.release} assumed (not probed; --appliance-version sets it)"
    )
    out.print(Text(f"dry run: no request is sent · target {where} · {release}"))
    if "fuzz" in plan.suites:
        _fuzzing(out, context, plan, tally)
    if "scenarios" in plan.suites:
        _workflows(out, context, plan, tally, workflows)
    out.print(
        Text(
            f"{tally['run']} tests would run, {tally['skip']} would be skipped, "
            f"{tally['filtered']} left out by the selection"
        )
    )
    return int(ExitCode.CONFORMANT)


def _fuzzing(out: Console, context: RunContext, plan: RunPlan, tally: Counter[str]) -> None:
    selection = plan.selection
    checks = operation_checks()
    unknown = selection.unknown_check([*checks, *stateful_checks()])
    if unknown:
        flag = selection.check_flag(unknown)
        raise UsageError(f"{flag}: no check {unknown!r}; choose from {', '.join(checks)}")
    chosen = [c for c in checks if selection.selects_check(c)]
    profile = get_profile(plan.profile, context.settings.max_examples, selection.phases)
    table = Table(
        title=f"Fuzzing, profile {profile.name}: phases {', '.join(profile.phases)}; "
        f"generating {selection.generation_mode} cases; "
        f"{profile.max_examples} generated cases per operation; {len(chosen)} checks each "
        "(listed below the table)",
        title_justify="left",
    )
    for column in ("operationId", "request", "would", "why"):
        table.add_column(column)
    walked = 0
    for op in context.contract.operations:
        request = f"{op.method.upper()} {op.path}"
        # login is the one call without a token: the token probes do not apply to it
        count = len([c for c in chosen if op.operation_id != "login" or c not in PROBE_CHECKS])
        left_out = selection.why_not(op)
        skip = context.skip(op)
        if left_out:
            table.add_row(Text(op.operation_id), request, Text("leave out", style="dim"), left_out)
            tally["filtered"] += count
        elif skip:
            table.add_row(
                Text(op.operation_id), request, Text("skip", style="yellow"), Text(skip.message)
            )
            tally["skip"] += count
        else:
            table.add_row(Text(op.operation_id), request, Text("run", style="green"), "")
            tally["run"] += count
            walked += 1
    out.print(table)
    out.print(Text(f"checks on each operation: {', '.join(chosen)}"), soft_wrap=True)
    if profile.stateful:
        stateful = [c for c in stateful_checks() if selection.selects_check(c)]
        out.print(
            Text(
                f"stateful walk: along the contract's links among the {walked} operations "
                f"that run, up to {profile.stateful_max_steps} steps; {len(stateful)} checks: "
                f"{', '.join(stateful)}"
            )
        )
        tally["run"] += len(stateful)


def _load_workflows(settings: Settings) -> list[Workflow]:
    return [
        workflow
        for path in loader.scenario_files()
        for workflow in loader.load(path, overlays=settings.overlays).tests
    ]


def _workflows(
    out: Console,
    context: RunContext,
    plan: RunPlan,
    tally: Counter[str],
    workflows: list[Workflow],
) -> None:
    table = Table(title="Workflows", title_justify="left")
    for column in ("workflowId", "would", "why"):
        table.add_column(column)
    for workflow in workflows:
        if not plan.selection.selects_workflow(workflow.workflow_id):
            table.add_row(
                Text(workflow.workflow_id),
                Text("leave out", style="dim"),
                "not in --only",
            )
            tally["filtered"] += 1
            continue
        skip = harness.skip(context, workflow)
        if skip:
            table.add_row(
                Text(workflow.workflow_id), Text("skip", style="yellow"), Text(skip.message)
            )
            tally["skip"] += 1
        else:
            table.add_row(Text(workflow.workflow_id), Text("run", style="green"), "")
            tally["run"] += 1
    out.print(table)
