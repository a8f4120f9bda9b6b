"""`scv-conformance diff BEFORE AFTER`: what changed between two runs.

The upgrade question: run before, run after, and compare. Two sources are compared:

- the verdicts (``summary.json``): every check of every operation, every workflow, and
  the deviations when the summary lists them;
- the observations (``observations.json``, when both runs have one): operations that
  answered in one run only or that the appliance's own API description lists in one run
  only, answer fields added, removed or retyped, status codes that changed per kind of
  input, and p95 latencies that grew beyond a threshold.

A change a client of the appliance would suffer is a *regression*: a check or workflow
that held and fails now, an operation gone, a field removed or given a type it did not
have, a status code not seen before for the same kind of input, an operation slower than
the threshold. A status code seen for the first time that the contract documents for the
operation and that state explains (a 404 or 409 where an id now exists or no longer
does, a success) is listed but is no regression: it depends on the appliance's state,
which changes between runs against one appliance; whether the answer was right is what
the checks' verdicts, compared too, decide. Runs of different scope (profile, suites,
workflow, contract, operations) are compared on what both ran, with a warning, instead of
listing every absent row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from conformance.contract.spec import Contract, load_contract
from conformance.core.errors import UsageError
from conformance.core.inputs import load_json
from conformance.reporting.observations import Observations, load_observations

#: Statuses that count as holding and as failing.
HELD = frozenset({"passed"})
BROKEN = frozenset({"failed", "error", "broken"})
#: Default latency threshold: p95 after more than 50% above p95 before.
LATENCY_THRESHOLD = 0.5
#: Below this growth in milliseconds a slower p95 is noise, whatever the ratio.
LATENCY_FLOOR_MS = 50.0

# Areas of a change, in the order they are shown.
VERDICT = "verdict"
DEVIATION = "deviation"
OPERATION = "operation"
FIELD = "answer field"
STATUS = "status code"
WORKFLOW = "workflow"
LATENCY = "latency"
AREAS = (VERDICT, DEVIATION, WORKFLOW, OPERATION, STATUS, FIELD, LATENCY)
_TEMPLATE = re.compile(r"\{[^}]*\}")
#: The kinds of input (``stateful-positive``, ...) whose calls depend on earlier answers.
STATEFUL = "stateful"
K = TypeVar("K")


@dataclass(frozen=True)
class Change:
    """One difference between the runs: what, where, before, after, and how it reads."""

    subject: str
    detail: str
    before: str
    after: str
    area: str = VERDICT
    kind: str = ""
    regression: bool = False

    def __post_init__(self) -> None:
        if not self.kind:
            # a verdict change reads from its statuses
            if self.before in HELD and self.after in BROKEN:
                kind, regression = "regression", True
            elif self.before in BROKEN and self.after in HELD:
                kind, regression = "fixed", False
            else:
                kind, regression = "changed", False
            object.__setattr__(self, "kind", kind)
            object.__setattr__(self, "regression", regression)


@dataclass(frozen=True)
class RunFacts:
    """What identifies a run in a comparison."""

    folder: str
    target: str | None
    appliance_version: str | None
    profile: str | None
    seed: int | None
    start_time: str | None
    status: str | None
    suites: tuple[str, ...]
    workflow: str | None
    contract_sha256: str
    observations: bool


@dataclass(frozen=True)
class RunDiff:
    """The differences between two runs."""

    before: dict[str, Any]
    after: dict[str, Any]
    changes: list[Change]
    before_facts: RunFacts | None = None
    after_facts: RunFacts | None = None
    scope_warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    latency_threshold: float = LATENCY_THRESHOLD

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.regression]

    @property
    def contract_changed(self) -> bool:
        return bool(self.before["contract"]["sha256"] != self.after["contract"]["sha256"])

    def to_json(self) -> dict[str, Any]:
        """The ``diff.json`` document."""
        return {
            "format": 1,
            "before": asdict(self.before_facts) if self.before_facts else None,
            "after": asdict(self.after_facts) if self.after_facts else None,
            "latencyThreshold": self.latency_threshold,
            "scopeDiffers": bool(self.scope_warnings),
            "scopeWarnings": list(self.scope_warnings),
            "notes": list(self.notes),
            "regressions": len(self.regressions),
            "changes": [
                {
                    "area": c.area,
                    "kind": c.kind,
                    "regression": c.regression,
                    "subject": c.subject,
                    "detail": c.detail,
                    "before": c.before,
                    "after": c.after,
                }
                for c in sorted_changes(self.changes)
            ],
        }


def sorted_changes(changes: list[Change]) -> list[Change]:
    """Regressions first, then by area, subject and detail."""
    return sorted(
        changes,
        key=lambda c: (
            not c.regression,
            c.kind == "changed",
            AREAS.index(c.area),
            c.subject,
            c.detail,
        ),
    )


def load_summary(path: str | Path) -> dict[str, Any]:
    """The summary of a run folder, or of a summary.json given directly."""
    candidate = Path(path)
    file = candidate / "summary.json" if candidate.is_dir() else candidate
    summary = load_json(file, "diff")
    if not isinstance(summary, dict) or not {"operations", "workflows", "contract"} <= set(summary):
        raise UsageError(f"diff: {file} is not the summary.json of a run")
    return summary


def run_facts(summary: dict[str, Any], folder: str, observations: bool) -> RunFacts:
    """The identity of a run, from its summary."""
    return RunFacts(
        folder=folder,
        target=summary.get("target"),
        appliance_version=summary.get("applianceVersion"),
        profile=summary.get("profile"),
        seed=summary.get("seed"),
        start_time=summary.get("startTime"),
        status=summary.get("status"),
        suites=tuple(summary.get("suites") or ()),
        workflow=summary.get("workflow"),
        contract_sha256=str(summary["contract"].get("sha256")),
        observations=observations,
    )


def scope_differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Why the two runs did not cover the same ground (empty when they did)."""
    warnings = []
    for key, name in (("profile", "profile"), ("workflow", "--only workflow")):
        if before.get(key) != after.get(key):
            warnings.append(f"{name}: {before.get(key)} before, {after.get(key)} after")
    suites_before, suites_after = set(before.get("suites") or ()), set(after.get("suites") or ())
    if suites_before != suites_after:
        warnings.append(
            f"suites: {', '.join(sorted(suites_before)) or 'none'} before, "
            f"{', '.join(sorted(suites_after)) or 'none'} after"
        )
    if before["contract"].get("sha256") != after["contract"].get("sha256"):
        warnings.append("contract: the runs used different contracts")
    ops_before, ops_after = set(before["operations"]), set(after["operations"])
    if ops_before and ops_after and ops_before != ops_after:
        warnings.append(
            f"operations: {len(ops_before - ops_after)} only before, "
            f"{len(ops_after - ops_before)} only after"
        )
    return warnings


def compare(
    before: dict[str, Any],
    after: dict[str, Any],
    observed_before: Observations | None = None,
    observed_after: Observations | None = None,
    latency_threshold: float = LATENCY_THRESHOLD,
    latency_floor_ms: float = LATENCY_FLOOR_MS,
    documented: Mapping[str, frozenset[str]] | None = None,
) -> RunDiff:
    """Every difference between two runs' verdicts and, when both have them, observations;
    ``documented`` the status codes the contract documents per operation (None: none)."""
    warnings = scope_differences(before, after)
    same_scope = not warnings
    notes: list[str] = []
    changes: list[Change] = []
    moved: set[str] = set()
    if observed_before is not None and observed_after is not None:
        operation_changes = _operations_added_or_gone(observed_before, observed_after, same_scope)
        operation_changes += _described_added_or_gone(
            observed_before, observed_after, {c.subject for c in operation_changes}
        )
        moved = {c.subject for c in operation_changes}
        changes += operation_changes
        changes += _status_codes(observed_before, observed_after, moved, documented or {})
        changes += _shapes(observed_before, observed_after, moved)
        changes += _latencies(
            observed_before, observed_after, moved, latency_threshold, latency_floor_ms
        )
    else:
        missing = [
            name
            for name, obs in (("BEFORE", observed_before), ("AFTER", observed_after))
            if obs is None
        ]
        notes.append(
            f"{' and '.join(missing)} {'has' if len(missing) == 1 else 'have'} no "
            "observations.json: answers, status codes and latencies are not compared"
        )
    changes += _verdicts(before, after, moved, same_scope)
    changes += _deviations(before, after)
    changes += _workflows(before, after, same_scope)
    return RunDiff(
        before,
        after,
        changes,
        scope_warnings=warnings,
        notes=notes,
        latency_threshold=latency_threshold,
    )


def diff_runs(
    before_path: str,
    after_path: str,
    latency_threshold: float = LATENCY_THRESHOLD,
    latency_floor_ms: float = LATENCY_FLOOR_MS,
) -> RunDiff:
    """Load both runs (UsageError on bad input) and compare them."""
    if latency_threshold < 0:
        raise UsageError("diff: --latency-threshold must not be negative")
    before, after = load_summary(before_path), load_summary(after_path)
    observed_before = load_observations(Path(before_path))
    observed_after = load_observations(Path(after_path))
    diff = compare(
        before,
        after,
        observed_before,
        observed_after,
        latency_threshold,
        latency_floor_ms,
        documented_statuses(load_contract()),
    )
    return RunDiff(
        diff.before,
        diff.after,
        diff.changes,
        run_facts(before, before_path, observed_before is not None),
        run_facts(after, after_path, observed_after is not None),
        diff.scope_warnings,
        diff.notes,
        latency_threshold,
    )


def _verdicts(
    before: dict[str, Any], after: dict[str, Any], moved: set[str], same_scope: bool
) -> list[Change]:
    changes = []
    checks_before = _operation_checks(before)
    checks_after = _operation_checks(after)
    for key in sorted(_compared(checks_before, checks_after, same_scope)):
        if key[0] in moved:
            continue  # the operation's own row says it came or went
        old, new = checks_before.get(key, "absent"), checks_after.get(key, "absent")
        if old != new:
            changes.append(Change(key[0], key[1], old, new))
    return changes


def _compared(before: Mapping[K, Any], after: Mapping[K, Any], same_scope: bool) -> set[K]:
    """The keys a diff compares: those of either run when both ran the same scope, else
    only those both ran."""
    return set(before) | set(after) if same_scope else set(before) & set(after)


def _deviations(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Deviations (contradicted assumptions) that appeared or went away."""
    if "deviations" not in before and "deviations" not in after:
        return []
    old, new = _deviation_keys(before), _deviation_keys(after)
    changes = [
        Change(s, d, "held", "deviates", DEVIATION, "new deviation")
        for s, d in sorted(new.keys() - old.keys())
    ]
    changes += [
        Change(s, d, "deviates", "held", DEVIATION, "deviation gone")
        for s, d in sorted(old.keys() - new.keys())
    ]
    return changes


def _deviation_keys(summary: dict[str, Any]) -> dict[tuple[str, str], str]:
    keys = {}
    for entry in summary.get("deviations") or []:
        if not isinstance(entry, dict):
            continue
        subject = entry.get("operationId") or entry.get("workflowId") or "?"
        detail = entry.get("check") or entry.get("stepId") or entry.get("assumption") or ""
        keys[(str(subject), str(detail))] = str(entry.get("message") or "")
    return keys


def _workflows(before: dict[str, Any], after: dict[str, Any], same_scope: bool) -> list[Change]:
    changes = []
    workflows_before = _workflow_states(before)
    workflows_after = _workflow_states(after)
    for name in sorted(_compared(workflows_before, workflows_after, same_scope)):
        old_status, old_step = workflows_before.get(name, ("absent", None))
        new_status, new_step = workflows_after.get(name, ("absent", None))
        if old_status == new_status and old_step == new_step:
            continue
        step = new_step or old_step
        detail = f"workflow (step {step})" if step else "workflow"
        if old_status in HELD and new_status in BROKEN:
            changes.append(Change(name, detail, old_status, new_status, WORKFLOW, "broke", True))
        elif old_status in BROKEN and new_status in HELD:
            changes.append(Change(name, detail, old_status, new_status, WORKFLOW, "healed"))
        elif old_status in BROKEN and new_status in BROKEN:
            before_text = f"{old_status} at {old_step}" if old_step else old_status
            after_text = f"{new_status} at {new_step}" if new_step else new_status
            changes.append(
                Change(name, "workflow", before_text, after_text, WORKFLOW, "fails elsewhere")
            )
        else:
            changes.append(Change(name, detail, old_status, new_status, WORKFLOW, "changed"))
    return changes


def _operations_added_or_gone(
    before: Observations, after: Observations, same_scope: bool
) -> list[Change]:
    called_before = {op for op, obs in before.operations.items() if obs.called}
    called_after = {op for op, obs in after.operations.items() if obs.called}
    if not same_scope:
        return []
    changes = [
        Change(op, "answers", "not served", "served", OPERATION, "operation added")
        for op in sorted(called_after - called_before)
    ]
    changes += [
        Change(op, "answers", "served", "not served", OPERATION, "operation gone", True)
        for op in sorted(called_before - called_after)
    ]
    return changes


def _described_added_or_gone(
    before: Observations, after: Observations, named: set[str]
) -> list[Change]:
    """Operations the appliance's own description lists in one run only.

    Compared only when both runs have a description (an appliance that serves none says
    nothing about its operations); path parameter names do not matter.
    """
    if not before.described or not after.described:
        return []
    old = {_TEMPLATE.sub("{}", key): (key, op) for key, op in before.described.items()}
    new = {_TEMPLATE.sub("{}", key): (key, op) for key, op in after.described.items()}
    changes = []
    for template in sorted(new.keys() - old.keys()):
        key, operation_id = new[template]
        subject = operation_id or key
        if subject not in named:
            changes.append(
                Change(subject, key, "not described", "described", OPERATION, "operation added")
            )
    for template in sorted(old.keys() - new.keys()):
        key, operation_id = old[template]
        subject = operation_id or key
        if subject not in named:
            changes.append(
                Change(
                    subject, key, "described", "not described", OPERATION, "operation gone", True
                )
            )
    return changes


def documented_statuses(contract: Contract) -> dict[str, frozenset[str]]:
    """Per operation the status codes its responses name (``default`` names none)."""
    return {
        op: frozenset(
            str(s)
            for s in contract.operation(op).definition.get("responses") or {}
            if str(s) != "default"
        )
        for op in contract.operation_ids()
    }


def _status_codes(
    before: Observations,
    after: Observations,
    moved: set[str],
    documented: Mapping[str, frozenset[str]],
) -> list[Change]:
    changes = []
    for op in sorted(before.operations.keys() & after.operations.keys() - moved):
        old_kinds = before.operations[op].status_codes
        new_kinds = after.operations[op].status_codes
        # a stateful sequence builds each call from the answers before it: another answer
        # anywhere sends other inputs after it, so its status codes are not compared
        kinds = {k for k in old_kinds.keys() & new_kinds.keys() if not k.startswith(STATEFUL)}
        for kind in sorted(kinds):
            old = {s for s, n in old_kinds[kind].items() if n > 0}
            new = {s for s, n in new_kinds[kind].items() if n > 0}
            if old == new:
                continue
            unseen = new - old
            known = documented.get(op, frozenset())
            undocumented = {c for c in unseen if not state_dependent(c, known)}
            if undocumented:
                what = "new status code"
            elif unseen:
                # documented, so the answer may be right: it depends on the state
                what = "documented status code now seen"
            else:
                what = "status code no longer seen"
            changes.append(
                Change(
                    op,
                    f"{kind} input",
                    _codes(old_kinds[kind]),
                    _codes(new_kinds[kind]),
                    STATUS,
                    what,
                    bool(undocumented),
                )
            )
    return changes


#: Documented answers that follow the appliance's state rather than its release: an id
#: that exists now or no longer does (404), a conflict with an object (409), success.
STATE_DEPENDENT = re.compile(r"^(?:404|409|2\d\d)$")


def state_dependent(code: str, documented: frozenset[str]) -> bool:
    """A status code the contract documents for the operation and that state can explain."""
    return bool(STATE_DEPENDENT.match(code)) and (
        code in documented or f"{code[:1]}XX" in documented
    )


def _codes(counts: dict[str, int]) -> str:
    return ", ".join(f"{s} ({n})" for s, n in sorted(counts.items()) if n > 0) or "none"


def _shapes(before: Observations, after: Observations, moved: set[str]) -> list[Change]:
    changes = []
    for op in sorted(before.operations.keys() & after.operations.keys() - moved):
        old_statuses = before.operations[op].shapes
        new_statuses = after.operations[op].shapes
        for status in sorted(old_statuses.keys() & new_statuses.keys()):
            old, new = old_statuses[status], new_statuses[status]
            where = f"{status} {{path}}"
            for path in sorted(new.keys() - old.keys()):
                changes.append(
                    Change(op, where.format(path=path), "absent", new[path], FIELD, "field added")
                )
            for path in sorted(old.keys() - new.keys()):
                changes.append(
                    Change(
                        op,
                        where.format(path=path),
                        old[path],
                        "absent",
                        FIELD,
                        "field removed",
                        True,
                    )
                )
            for path in sorted(old.keys() & new.keys()):
                old_types, new_types = set(old[path].split("|")), set(new[path].split("|"))
                if old_types == new_types:
                    continue
                widened = bool(new_types - old_types)
                changes.append(
                    Change(
                        op,
                        where.format(path=path),
                        old[path],
                        new[path],
                        FIELD,
                        "field retyped",
                        widened,
                    )
                )
    return changes


def _latencies(
    before: Observations,
    after: Observations,
    moved: set[str],
    threshold: float,
    floor_ms: float,
) -> list[Change]:
    changes = []
    for op in sorted(before.operations.keys() & after.operations.keys() - moved):
        old, new = before.operations[op].latency, after.operations[op].latency
        if old is None or new is None or not old.count or not new.count:
            continue
        # the median must move too: one slow answer on a busy machine is no slower operation
        grew = new.p95 > old.p95 * (1 + threshold) and new.p95 - old.p95 >= floor_ms
        if grew and new.median - old.median >= floor_ms:
            growth = (new.p95 / old.p95 - 1) * 100 if old.p95 else float("inf")
            changes.append(
                Change(
                    op,
                    f"p95 +{growth:.0f}%",
                    f"{old.p95:.0f} ms",
                    f"{new.p95:.0f} ms",
                    LATENCY,
                    "slower",
                    True,
                )
            )
    return changes


def _operation_checks(summary: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (operation, check): str(status)
        for operation, entry in summary["operations"].items()
        for check, status in entry.get("checks", {}).items()
    }


def _workflow_states(summary: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {
        name: (str(entry.get("status")), entry.get("failedStep"))
        for name, entry in summary["workflows"].items()
    }
