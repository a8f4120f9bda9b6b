"""`scv-conformance learn`: an Overlay that adapts the contract to what an appliance sends.

Logs in, calls every read operation the appliance's release ships (nothing else without
``--allow-destructive``: its session's guard refuses any other call; with it, the
documented state-changing workflows run too, each undoing what it created, see
:mod:`conformance.calibrate.exercise`), validates each answer against the contract and
writes the OpenAPI
Overlay 1.0 document whose actions make every answer fit: other spellings, extra fields,
fields never sent, enum values, types and formats. Each action is marked
``x-evidence: observed`` with the appliance's version; one that relaxes a documented or
client-proven constraint also names that evidence (``x-relaxes-evidence``), for review.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from conformance.calibrate.adapt import Adaptation, adapt
from conformance.calibrate.criteria import CriteriaAdaptation, adapt_criteria
from conformance.calibrate.exercise import Exercised, exercise
from conformance.calibrate.explore import Answer, Explorer
from conformance.contract.overlay import OVERLAY_VERSION, parse_overlay
from conformance.contract.spec import Contract
from conformance.core.errors import ExitCode, UsageError
from conformance.core.settings import Settings
from conformance.custody.run_names import new_run_id
from conformance.http.guard import RequestGuard
from conformance.http.redaction import replace_secrets
from conformance.http.session import ScvSession
from conformance.reporting.atomic import write_text
from conformance.run.target import open_context


def run_learn(settings: Settings, out: str) -> int:
    """The ``learn`` command; returns its exit code."""
    if settings.target is None:
        raise UsageError("learn needs --target URL: the appliance to learn from")
    if not settings.username or not settings.password:
        raise UsageError(
            "learn needs credentials: --username/--password, SCV_USERNAME/SCV_PASSWORD "
            "or the config file"
        )
    root, password = settings.target, settings.password
    settings = replace(settings, run_id=settings.run_id or new_run_id())
    # the preflight: credentials, the release, the alternative paths and spellings in use
    context = open_context(settings)
    contract, target, reported = context.contract, context.target, context.reported_version
    version = settings.appliance_version or reported or "unknown"
    guard = RequestGuard(read_only=not settings.allow_destructive)
    with ScvSession(target, guard=guard, deadline=settings.request_timeout) as session:
        explorer = Explorer(session, contract, context.release, settings.inventory)
        answers = explorer.run()
        secrets = (*session.secrets, password)
    exercised = None
    if settings.allow_destructive:
        exercised = exercise(context)
        answers = answers + exercised.answers
        if exercised.interrupted:
            print(replace_secrets(interrupted(exercised, out), secrets), end="")
            return int(ExitCode.INFRASTRUCTURE)
    adaptation = adapt(contract.document, answers, version)
    criteria = adapt_criteria(exercised.heard if exercised else (), version)
    document = overlay_document(contract, adaptation, criteria, version, root)
    parse_overlay(document, out)  # what is written must read back as an overlay
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    try:
        write_text(Path(out), text)
    except OSError as exc:
        raise UsageError(f"--out: cannot write {out}: {exc.strerror}") from None
    report = summary(out, root, version, answers, explorer.skipped, adaptation)
    report += criteria_report(criteria)
    if exercised is not None:
        report += workflows_report(exercised)
    print(replace_secrets(report, secrets), end="")
    left = exercised is not None and bool(exercised.leftovers)
    return int(ExitCode.INFRASTRUCTURE if left else ExitCode.CONFORMANT)


def workflows_report(exercised: Exercised) -> str:
    """What the state-changing workflows did, and what they left behind, for the console."""
    lines = [f"workflow {wf}: {verdict}" for wf, verdict in exercised.ran.items()]
    lines += [f"workflow not run: {reason}" for reason in exercised.skipped.values()]
    lines += [
        f"left behind on the appliance by {left['workflowId']}: {left['request']} "
        f"(its cleanup {left['cleanupStep']} did not happen)"
        for left in exercised.leftovers
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def interrupted(exercised: Exercised, out: str) -> str:
    """The console lines of a learn interrupted during the workflows: no overlay written."""
    return (
        f"learn interrupted: {out} not written; the running workflow's cleanup ran first\n"
        + workflows_report(exercised)
    )


def overlay_document(
    contract: Contract,
    adaptation: Adaptation,
    criteria: CriteriaAdaptation,
    version: str,
    target: str,
) -> dict[str, Any]:
    """The Overlay 1.0 document of ``adaptation`` (the contract) and ``criteria`` (the
    scenario documents)."""
    return {
        "overlay": OVERLAY_VERSION,
        "info": {
            "title": f"The SCV contract as the appliance at {_public(target)} answers it",
            "version": version,
            "x-observed-at": datetime.now(UTC).isoformat(timespec="seconds"),
            "x-contract-sha256": contract.sha256,
        },
        "actions": adaptation.actions + criteria.actions,
    }


def criteria_report(criteria: CriteriaAdaptation) -> str:
    """What learn made of the workflows' assumed criteria, for the console."""
    lines = []
    if criteria.actions:
        lines.append(
            f"{len(criteria.actions)} assumed workflow criteria now expect what the "
            "appliance answered (actions on $.workflows: they adapt the scenario documents)"
        )
    lines += [f"still not fitting: {problem}" for problem in criteria.unfitting]
    return "\n".join(lines) + ("\n" if lines else "")


def summary(
    out: str,
    target: str,
    version: str,
    answers: list[Answer],
    skipped: dict[str, str],
    adaptation: Adaptation,
) -> str:
    """What learn did, for the console."""
    statuses = Counter(str(a.status)[0] + "xx" for a in answers)
    kinds = Counter(k for k in map(_kind, adaptation.actions[1:]) if k)
    strong = [a for a in adaptation.actions if "x-relaxes-evidence" in a]
    lines = [
        f"learned from {_public(target)} (appliance {version}): "
        f"{len(answers)} calls ({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}), "
        f"{adaptation.checked} answers checked against the contract",
        f"wrote {out}: {_count(len(adaptation.actions), 'action')}"
        + (f" ({', '.join(f'{n} {k}' for k, n in kinds.most_common())})" if kinds else ""),
    ]
    if strong:
        lines.append(
            f"{len(strong)} of them relax documented or client-proven constraints "
            "(x-relaxes-evidence): review them before trusting the overlay"
        )
    for operation_id, reason in sorted(skipped.items()):
        lines.append(f"not called: {operation_id}: {reason}")
    for problem in adaptation.unfitting:
        lines.append(f"still not fitting: {problem}")
    lines.append(f"use it: scv-conformance run --overlay {out} --target {_public(target)} ...")
    return "\n".join(lines) + "\n"


def _kind(action: dict[str, Any]) -> str | None:
    description = str(action.get("description", ""))
    if description.startswith("Fields"):
        return "fields added"
    if description.startswith("No longer requires"):
        return "required dropped"
    if description.startswith("A value"):
        return "enum values"
    if description.startswith("Types"):
        return "types widened"
    if description.startswith("Without"):
        return "constraints dropped"
    return None  # the second half of a change (what stays required, a relaxed node put back)


def _public(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _count(n: int, noun: str) -> str:
    """``1 action``, ``2 actions``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
