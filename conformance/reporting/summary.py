"""summary.json: the verdict of a run, derived from its Allure results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.contract import deviation
from conformance.core.errors import ExitCode
from conformance.core.item_keys import FUZZ
from conformance.core.skips import SKIP_KIND_PROPERTY, parse
from conformance.http.redaction import excerpt
from conformance.reporting.allure_results import ResultRecord

#: Worst first: the status of an operation or workflow is that of its worst test.
_SEVERITY = ("failed", "error", "passed", "skipped")
#: The status of a run the preflight stopped.
PREFLIGHT_FAILED = "preflight failed"
MESSAGE_LIMIT = 2000


@dataclass(frozen=True)
class RunFacts:
    """What is known about a run besides its test results."""

    target: str | None
    appliance_version: str | None
    contract_path: str
    contract_sha256: str
    contract_version: str
    start_time: str
    duration_seconds: float
    seed: int | None
    profile: str
    suites: tuple[str, ...] = ()
    #: The run's selection (``--only``, filters, checks), as the manifest holds it.
    selection: dict[str, list[str]] = field(default_factory=dict)
    #: The command line that replays the run (seed included).
    replay: str | None = None
    #: One shell line that sets $SCV_TOKEN for the reproducing curl commands.
    token_command: str | None = None
    error: str | None = None
    error_code: ExitCode | None = None
    unreachable: bool = False
    #: Another destructive run held the appliance: this one did not run (conformance.run.holding).
    busy: bool = False
    collect_errors: tuple[str, ...] = field(default_factory=tuple)
    #: ``--strict``: deviations from our assumptions fail the run.
    strict: bool = False
    #: What stopped the run early (SIGINT, SIGTERM, max-time), None when it finished.
    interrupted: str | None = None
    #: Cleanups owed and never done: workflowId, cleanupStep, request.
    leftovers: tuple[dict[str, str], ...] = ()
    #: Other runs seen on the appliance at the start (conformance.run.other_runs, as JSON).
    other_runs: tuple[dict[str, Any], ...] = ()
    #: How a destructive run held the appliance (conformance.run.holding, as JSON).
    hold: Mapping[str, Any] | None = None
    #: A destructive run's account of the appliance (conformance.custody.account, as JSON).
    custody: Mapping[str, Any] | None = None
    #: What the preflight found out (conformance.core.findings, as JSON).
    preflight: Mapping[str, Any] | None = None
    #: The preflight check that stopped the run (tls, login, not-scv, vcenter), if one did.
    preflight_failed: str | None = None


#: The status of a run that did not run: another destructive run held the appliance.
BUSY = "busy"


def verdict(results: Sequence[ResultRecord], facts: RunFacts) -> tuple[str, ExitCode]:
    """(status, exit code): unreachable, error, failures or conformant."""
    if facts.unreachable:
        return "unreachable", ExitCode.INFRASTRUCTURE
    if facts.busy:
        return BUSY, ExitCode.INFRASTRUCTURE
    if facts.preflight_failed:
        return PREFLIGHT_FAILED, ExitCode.INFRASTRUCTURE
    if facts.interrupted:
        return "interrupted", ExitCode.INFRASTRUCTURE
    outcomes = {r.outcome for r in results}
    if facts.error:
        return "error", facts.error_code or ExitCode.INFRASTRUCTURE
    if facts.collect_errors or "error" in outcomes or not results:
        return "error", ExitCode.INFRASTRUCTURE
    if "failed" in outcomes:
        return "failures", ExitCode.FAILURES
    return "conformant", ExitCode.CONFORMANT


def build_summary(
    results: Sequence[ResultRecord], facts: RunFacts, coverage: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The summary.json document (``coverage``: :mod:`conformance.reporting.coverage`)."""
    status, code = verdict(results, facts)
    totals = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    plural = {"passed": "passed", "failed": "failed", "error": "errors", "skipped": "skipped"}
    for result in results:
        totals[plural[result.outcome]] += 1
    deviations = [_failure(r) for r in results if r.deviation]
    summary: dict[str, Any] = {
        "target": facts.target,
        "applianceVersion": facts.appliance_version,
        "contract": {
            "path": facts.contract_path,
            "sha256": facts.contract_sha256,
            "version": facts.contract_version,
        },
        "startTime": facts.start_time,
        "durationSeconds": round(facts.duration_seconds, 3),
        "seed": facts.seed,
        "profile": facts.profile,
        "suites": list(facts.suites),
        "status": status,
        "exitCode": int(code),
        "strict": facts.strict,
        "interrupted": facts.interrupted is not None,
        "totals": {**totals, "total": len(results)},
        "operations": _operations(results),
        "workflows": _workflows(results),
        "failures": [
            _failure(r) for r in results if r.outcome in ("failed", "error") and not r.deviation
        ],
        "deviations": deviations,
        "skipped": [_skipped(r) for r in results if r.outcome == "skipped"],
    }
    preflight = preflight_summary(facts)
    if preflight is not None:
        summary["preflight"] = preflight
    if facts.interrupted:
        summary["interruption"] = facts.interrupted
    summary["leftovers"] = list(facts.leftovers)
    summary["other_runs"] = list(facts.other_runs)
    if facts.hold is not None:
        summary["hold"] = dict(facts.hold)
    if facts.custody is not None:
        summary["custody"] = dict(facts.custody)
    if coverage is not None:
        summary["coverage"] = coverage
    if facts.selection:
        summary["selection"] = facts.selection
    if facts.selection.get("workflows"):
        # what `diff` compares the scope of two runs by
        summary["workflow"] = ", ".join(facts.selection["workflows"])
    if facts.replay:
        summary["replay"] = facts.replay
    if facts.token_command:
        summary["tokenCommand"] = facts.token_command
    if facts.error:
        summary["error"] = facts.error
    if facts.collect_errors:
        summary["collectionErrors"] = list(facts.collect_errors)
    return summary


def preflight_summary(facts: RunFacts) -> dict[str, Any] | None:
    """The ``preflight`` entry of summary.json: what it found, or which check stopped the run."""
    if facts.preflight_failed:
        return {"passed": False, "failedCheck": facts.preflight_failed, "reason": facts.error}
    found = facts.preflight
    if found is None:
        return None
    return {
        "passed": True,
        "version": found.get("version"),
        "title": found.get("title"),
        "snapshotPath": found.get("snapshot_path"),
        "esxHostsSpelling": found.get("esx_hosts_spelling"),
        "vcenterOk": found.get("vcenter_ok"),
        "describedOperations": len(found.get("described_operations") or {}),
        "notes": list(found.get("notes") or ()),
        "seconds": found.get("seconds"),
    }


def preflight_environment(found: Mapping[str, Any] | None) -> dict[str, Any]:
    """The preflight's findings as Allure environment entries."""
    if found is None:
        return {}
    unknown = "not found out"
    vcenter = found.get("vcenter_ok")
    return {
        "Preflight.snapshot_path": found.get("snapshot_path") or unknown,
        "Preflight.esx_hosts_spelling": found.get("esx_hosts_spelling") or unknown,
        "Preflight.vcenter": "not given" if vcenter is None else ("ok" if vcenter else "failed"),
    }


def _skipped(result: ResultRecord) -> dict[str, Any]:
    """A skipped test, its reason and the kind of reason (its label)."""
    skip = parse(result.message)
    reason = skip.text if skip else result.message.removeprefix("Skipped: ").strip()
    return {"test": result.nodeid, "reason": reason, "kind": result.label(SKIP_KIND_PROPERTY)}


def _worst(statuses: Sequence[str]) -> str:
    return min(statuses, key=_SEVERITY.index) if statuses else "skipped"


def _operations(results: Sequence[ResultRecord]) -> dict[str, Any]:
    checks: dict[str, dict[str, str]] = {}
    for result in results:
        if result.suite != FUZZ:
            continue
        per_check = checks.setdefault(result.subject, {})
        previous = per_check.get(result.check)
        per_check[result.check] = _worst([s for s in (previous, result.outcome) if s])
    return {
        op: {"status": _worst(list(per_check.values())), "checks": dict(sorted(per_check.items()))}
        for op, per_check in sorted(checks.items())
    }


def _workflows(results: Sequence[ResultRecord]) -> dict[str, Any]:
    workflows: dict[str, dict[str, Any]] = {}
    for result in results:
        if result.suite == FUZZ:
            continue
        entry = workflows.setdefault(result.subject, {"status": None, "failedStep": None})
        entry["status"] = _worst([s for s in (entry["status"], result.outcome) if s])
        if result.outcome in ("failed", "error") and entry["failedStep"] is None:
            entry["failedStep"] = result.label("stepId")
    return dict(sorted(workflows.items()))


def _failure(result: ResultRecord) -> dict[str, Any]:
    entry: dict[str, Any] = {"suite": result.suite, "status": result.outcome}
    if result.suite == FUZZ:
        entry["operationId"] = result.subject
    else:
        entry["workflowId"] = result.subject
    message = result.message
    if result.deviation:
        message = result.label(deviation.MESSAGE_PROPERTY) or message.removeprefix(deviation.TAG)
        message = message.strip()
    # redacted before it is cut: a secret cut in two is one no later redaction can find
    message = excerpt(message, MESSAGE_LIMIT, " …")
    entry.update(
        {
            "stepId": result.label("stepId"),
            "check": result.label("check") or (result.check if result.suite == FUZZ else None),
            "message": message,
            "reproduce": result.label("reproduce"),
            "test": result.nodeid,
        }
    )
    return entry
