"""Turning a check's verdict into a pytest outcome and a self-explanatory message."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.fuzz.verdicts import Finding, FuzzResult, Verdict


@dataclass(frozen=True)
class Judgement:
    """What an item concluded: passed, not applicable, or failed with a message and curl."""

    status: str  # "passed" | "not_applicable" | "failed" | "deviation" | "broken"
    message: str = ""
    reproduce: str | None = None
    verdict: Verdict | None = None


def judge(subject: str, check: str, result: FuzzResult) -> Judgement:
    """The judgement of ``check`` over ``result``; ``subject`` names the operation."""
    verdict = result.verdicts.get(check)
    if verdict is not None and verdict.failed:
        return _failed(subject, check, verdict)
    if verdict is not None and verdict.deviated:
        return _deviated(subject, check, verdict)
    if result.errors and (verdict is None or verdict.judged == 0):
        return Judgement("broken", f"{subject}: {check} could not run: {result.errors[0]}")
    if verdict is not None and verdict.errors and verdict.judged == 0:
        return Judgement("broken", f"{subject}: {check} could not judge: {verdict.errors[0]}")
    if verdict is None or verdict.judged == 0:
        return Judgement(
            "not_applicable",
            f"{check} judged none of the {result.cases} cases of {subject}",
        )
    return Judgement(
        "passed", f"{subject}: {check} held on {verdict.judged} cases", verdict=verdict
    )


def _failed(subject: str, check: str, verdict: Verdict) -> Judgement:
    headline = f"{subject}: {check} failed on {verdict.failed} of {verdict.judged} cases"
    if verdict.deviated:
        headline += f" (and deviated from our assumptions on {verdict.deviated} more)"
    return _described("failed", headline, verdict.findings, verdict)


def _deviated(subject: str, check: str, verdict: Verdict) -> Judgement:
    first = verdict.deviations[0].message.strip().splitlines() if verdict.deviations else []
    headline = (
        f"{subject}: {check} deviated from our assumptions on {verdict.deviated} of "
        f"{verdict.judged} cases" + (f": {first[0]}" if first else "") + "\n\n"
        "The contract without its assumption-only constraints accepts each of them: they "
        "contradict what we assumed, not what the vendor documented (a failure only under "
        "--strict)."
    )
    return _described("deviation", headline, verdict.deviations, verdict)


def _described(status: str, headline: str, findings: list[Finding], verdict: Verdict) -> Judgement:
    first = findings[0] if findings else None
    lines = [headline]
    for finding in findings:
        lines += ["", f"- {finding.title}", _indent(finding.message.strip())]
        if finding.exchange is not None:
            answer = finding.exchange.status_code
            lines += [f"  Answer: HTTP {answer}" if answer is not None else "  No answer"]
    reproduce = first.curl if first else None
    if reproduce:
        lines += [
            "",
            "Reproduce ($SCV_TOKEN: export SCV_TOKEN=$(scv-conformance token ...); "
            "summary.md has the line):",
            f"  {reproduce}",
        ]
    return Judgement(status, "\n".join(lines), reproduce, verdict)


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())
