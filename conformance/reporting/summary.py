"""summary.json: the verdict of a run, derived from its Allure results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.core import deviation
from conformance.core.errors import ExitCode
from conformance.core.item_keys import FUZZ
from conformance.core.skips import SKIP_KIND_PROPERTY, parse
from conformance.reporting.allure_results import ResultRecord

#: Worst first: the status of an operation or workflow is that of its worst test.
_SEVERITY = ("failed", "error", "passed", "skipped")
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
    workflow: str | None = None
    error: str | None = None
    error_code: ExitCode | None = None
    unreachable: bool = False
    collect_errors: tuple[str, ...] = field(default_factory=tuple)
    #: ``--strict``: deviations from our assumptions fail the run.
    strict: bool = False


def verdict(results: Sequence[ResultRecord], facts: RunFacts) -> tuple[str, ExitCode]:
    """(status, exit code): unreachable, error, failures or conformant."""
    if facts.unreachable:
        return "unreachable", ExitCode.INFRASTRUCTURE
    outcomes = {r.outcome for r in results}
    if facts.error:
        return "error", facts.error_code or ExitCode.INFRASTRUCTURE
    if facts.collect_errors or "error" in outcomes or not results:
        return "error", ExitCode.INFRASTRUCTURE
    if "failed" in outcomes:
        return "failures", ExitCode.FAILURES
    return "conformant", ExitCode.CONFORMANT


def build_summary(results: Sequence[ResultRecord], facts: RunFacts) -> dict[str, Any]:
    """The summary.json document."""
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
        "totals": {**totals, "total": len(results)},
        "operations": _operations(results),
        "workflows": _workflows(results),
        "failures": [
            _failure(r) for r in results if r.outcome in ("failed", "error") and not r.deviation
        ],
        "deviations": deviations,
        "skipped": [_skipped(r) for r in results if r.outcome == "skipped"],
    }
    if facts.workflow:
        summary["workflow"] = facts.workflow
    if facts.error:
        summary["error"] = facts.error
    if facts.collect_errors:
        summary["collectionErrors"] = list(facts.collect_errors)
    return summary


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
    if len(message) > MESSAGE_LIMIT:
        message = message[:MESSAGE_LIMIT] + " …"
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


def unreachable_summary(facts: RunFacts) -> dict[str, Any]:
    """The summary of a run whose target never answered."""
    return build_summary([], facts)
