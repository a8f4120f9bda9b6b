"""A client session's verdict as every command reports one: summary.json, summary.md,
junit.xml and Allure results, with every secret the session carried redacted.

summary.json has the run's schema where it applies: ``status``, ``exitCode``, ``strict``,
``operations`` (per operation, each rule's status), ``failures`` and ``deviations`` (each
naming the ``operationId``, the ``rule`` under ``check`` too, its evidence and examples).
The appliance's answers, judged as ``check`` judges them, are under ``appliance``: they
describe the appliance, not the client, and do not change the client's exit code.
"""

from __future__ import annotations

import hashlib
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.client.judge import ClientJudge, RuleTally
from conformance.client.rules import RULE_ORDER, RULES
from conformance.contract import deviation
from conformance.core.errors import ExitCode
from conformance.core.item_keys import LABEL_PREFIX
from conformance.http.redaction import redact_strings, redactor
from conformance.reporting.atomic import write_json, write_text
from conformance.reporting.har_check import findings_table
from conformance.reporting.metadata import write_metadata

SUITE = "client"
SUMMARY_JSON = "summary.json"
SUMMARY_MD = "summary.md"
JUNIT_XML = "junit.xml"
ALLURE_DIR = "allure-results"
#: The status of a session whose appliance could not be reached.
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class SessionFacts:
    """What is known about the session besides its verdicts."""

    source: str
    target: str | None = None
    start_time: str | None = None
    duration_seconds: float | None = None
    #: Why the proxy stopped (SIGINT, SIGTERM, max-time, stop), None for a HAR.
    stopped_by: str | None = None
    #: The upstream could not be reached: what went wrong.
    unreachable: str | None = None
    record: str | None = None


def build_summary(judge: ClientJudge, facts: SessionFacts) -> dict[str, Any]:
    """The summary.json document of ``judge``'s session, secrets redacted."""
    operations: dict[str, Any] = {}
    failures: list[dict[str, Any]] = []
    deviations: list[dict[str, Any]] = []
    for (subject, rule), tally in sorted(judge.tallies.items(), key=_order):
        entry = operations.setdefault(subject, {"status": "passed", "checks": {}})
        entry["checks"][rule] = tally.status
        if tally.failed:
            entry["status"] = "failed"
            failures.append(_listed(subject, rule, tally, deviations=False))
        if tally.deviated:
            if entry["status"] == "passed":
                entry["status"] = "deviated"
            deviations.append(_listed(subject, rule, tally, deviations=True))
    failing = bool(failures) or (judge.strict and bool(deviations))
    if facts.unreachable:
        status, code = UNREACHABLE, ExitCode.INFRASTRUCTURE
    elif failing:
        status, code = "failures", ExitCode.FAILURES
    else:
        status, code = "conformant", ExitCode.CONFORMANT
    appliance = judge.appliance.summary(facts.source)
    summary: dict[str, Any] = {
        "suite": SUITE,
        "source": facts.source,
        "target": facts.target,
        "contract": {
            "path": str(judge.contract.path),
            "sha256": judge.contract.sha256,
            "version": judge.contract.version,
        },
        "startTime": facts.start_time,
        "durationSeconds": facts.duration_seconds,
        "requests": judge.requests,
        "status": status,
        "exitCode": int(code),
        "strict": judge.strict,
        "stoppedBy": facts.stopped_by,
        "operations": dict(sorted(operations.items())),
        "failures": failures,
        "deviations": deviations,
        "notJudged": dict(sorted(judge.not_judged.items())),
        "appliance": {
            "status": appliance["status"],
            "operations": appliance["operations"],
            "failures": appliance["failures"],
            "deviations": appliance["deviations"],
            "unmatched": appliance["unmatched"],
        },
    }
    if facts.unreachable:
        summary["error"] = facts.unreachable
    if facts.record:
        summary["record"] = facts.record
    return hidden(summary, judge.secrets.values)


def hidden(value: Any, secrets: tuple[str, ...]) -> Any:
    """``value`` with every secret replaced in every string, at any depth."""
    return redact_strings(value, redactor(frozenset(s for s in secrets if s)))


def _order(item: tuple[tuple[str, str], RuleTally]) -> tuple[str, int]:
    (subject, rule), _ = item
    return subject, RULE_ORDER.index(rule)


def _listed(subject: str, rule: str, tally: RuleTally, *, deviations: bool) -> dict[str, Any]:
    examples = [f for f in tally.findings if f.deviation == deviations] or tally.findings
    return {
        "suite": SUITE,
        "status": "failed",
        "operationId": subject,
        "rule": rule,
        "check": rule,
        "evidence": examples[0].evidence,
        "failed": tally.deviated if deviations else tally.failed,
        "judged": tally.judged,
        "message": examples[0].message,
        "examples": [f.as_json() for f in examples],
    }


def render_markdown(summary: Mapping[str, Any]) -> str:
    """The verdict for people."""
    lines = [
        f"# Client conformance: {summary['source']}",
        "",
        f"**{summary['status']}** · {summary['requests']} requests · "
        f"contract {summary['contract']['version']}"
        + (f" · target {summary['target']}" if summary.get("target") else ""),
        "",
    ]
    if summary.get("error"):
        lines += [f"The appliance could not be reached: {summary['error']}", ""]
    if summary["failures"]:
        lines += ["## Client failures", "", *findings_table(summary["failures"], "rule")]
    elif not summary["deviations"]:
        lines.append("Every request held every rule it was judged by.")
    else:
        lines.append("No client failures.")
    if summary["deviations"]:
        strict = " (failing the session: --strict)" if summary["strict"] else ""
        lines += ["", f"## Deviations from our assumptions{strict}", ""]
        lines += findings_table(summary["deviations"], "rule")
    lines += ["", "## Rules", ""]
    lines += [f"- `{rule.name}` ({rule.evidence}): {rule.summary}" for rule in RULES.values()]
    appliance = summary["appliance"]
    if appliance["failures"] or appliance["deviations"]:
        lines += ["", "## The appliance's answers (judged as `check` judges them)", ""]
        lines += findings_table([*appliance["failures"], *appliance["deviations"]])
    return "\n".join(lines) + "\n"


def render_junit(summary: Mapping[str, Any]) -> str:
    """One test case per operation and rule; deviations fail only under --strict."""
    root = ET.Element("testsuites", {"name": "scv-conformance"})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE})
    failures = {(f["operationId"], f["rule"]): f for f in summary["failures"]}
    deviated = {(d["operationId"], d["rule"]): d for d in summary["deviations"]}
    tests = failed = 0
    for subject, entry in summary["operations"].items():
        for rule in entry["checks"]:
            tests += 1
            names = {"classname": f"{SUITE}.{subject}", "name": rule}
            case = ET.SubElement(suite, "testcase", names)
            found = failures.get((subject, rule))
            dev = deviated.get((subject, rule))
            if found is not None:
                failed += 1
                ET.SubElement(case, "failure", {"message": found["message"]}).text = _examples(
                    found
                )
            elif dev is not None and summary["strict"]:
                failed += 1
                message = deviation.tagged(dev["message"])
                ET.SubElement(case, "failure", {"message": message}).text = _examples(dev)
            elif dev is not None:
                ET.SubElement(case, "system-out").text = deviation.tagged(_examples(dev))
    errors = 1 if summary.get("error") else 0
    if errors:
        tests += 1
        case = ET.SubElement(suite, "testcase", {"classname": "client", "name": "upstream"})
        ET.SubElement(case, "error", {"message": summary["error"]}).text = summary["error"]
    counts = {"tests": str(tests), "failures": str(failed), "errors": str(errors), "skipped": "0"}
    suite.attrib.update(counts)
    root.attrib.update(counts)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _examples(entry: Mapping[str, Any]) -> str:
    return "\n".join(
        f"request {e['request']}: {e['method']} {e['url']}: {e['message']}"
        for e in entry["examples"]
    )


def allure_results(summary: Mapping[str, Any], now_ms: int | None = None) -> list[dict[str, Any]]:
    """One Allure result per operation and rule."""
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    failures = {(f["operationId"], f["rule"]): f for f in summary["failures"]}
    deviated = {(d["operationId"], d["rule"]): d for d in summary["deviations"]}
    results = []
    for subject, entry in summary["operations"].items():
        for rule in entry["checks"]:
            identity = f"client|{subject}|{rule}"
            history = hashlib.md5(identity.encode(), usedforsecurity=False).hexdigest()
            found = failures.get((subject, rule))
            dev = deviated.get((subject, rule))
            labels = [
                {"name": "parentSuite", "value": SUITE},
                {"name": "suite", "value": subject},
                {"name": "subSuite", "value": rule},
                {"name": LABEL_PREFIX + "suite", "value": SUITE},
                {"name": LABEL_PREFIX + "operationId", "value": subject},
                {"name": LABEL_PREFIX + "check", "value": rule},
            ]
            status, message = "passed", ""
            if found is not None:
                status, message = "failed", found["message"]
            elif dev is not None:
                message = deviation.tagged(dev["message"])
                status = "failed" if summary["strict"] else "passed"
                verdict = LABEL_PREFIX + deviation.VERDICT_PROPERTY
                text = LABEL_PREFIX + deviation.MESSAGE_PROPERTY
                labels += [
                    {"name": verdict, "value": deviation.DEVIATION},
                    {"name": text, "value": dev["message"]},
                ]
            shown = found or dev
            results.append(
                {
                    "uuid": str(uuid.uuid4()),
                    "historyId": history,
                    "testCaseId": history,
                    "name": f"{subject}: {RULES[rule].summary}",
                    "fullName": identity,
                    "status": status,
                    "statusDetails": {
                        "message": message,
                        "trace": _examples(shown) if shown else "",
                    },
                    "stage": "finished",
                    "start": now,
                    "stop": now,
                    "labels": labels,
                    "parameters": [{"name": "evidence", "value": RULES[rule].evidence}],
                }
            )
    return results


def write_reports(folder: Path, summary: Mapping[str, Any]) -> None:
    """summary.json, summary.md, junit.xml and allure-results/ under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / SUMMARY_JSON, summary)
    write_text(folder / SUMMARY_MD, render_markdown(summary))
    write_text(folder / JUNIT_XML, render_junit(summary))
    results = folder / ALLURE_DIR
    results.mkdir(exist_ok=True)
    for result in allure_results(summary):
        write_json(results / f"{result['uuid']}-result.json", result)
    write_metadata(
        results,
        {
            "Client.source": summary["source"],
            "Client.target": summary.get("target") or "embedded emulator",
            "Contract.version": summary["contract"]["version"],
        },
    )
