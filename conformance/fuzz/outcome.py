"""Turning a check's verdict into a pytest outcome and a self-explanatory message."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.fuzz.verdicts import FuzzResult, Verdict


@dataclass(frozen=True)
class Judgement:
    """What an item concluded: passed, not applicable, or failed with a message and curl."""

    status: str  # "passed" | "not_applicable" | "failed" | "broken"
    message: str = ""
    reproduce: str | None = None
    verdict: Verdict | None = None


def judge(subject: str, check: str, result: FuzzResult) -> Judgement:
    """The judgement of ``check`` over ``result``; ``subject`` names the operation."""
    verdict = result.verdicts.get(check)
    if verdict is not None and verdict.failed:
        return _failed(subject, check, verdict)
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
    first = verdict.findings[0] if verdict.findings else None
    lines = [f"{subject}: {check} failed on {verdict.failed} of {verdict.judged} cases"]
    for finding in verdict.findings:
        lines += ["", f"- {finding.title}", _indent(finding.message.strip())]
        if finding.exchange is not None:
            status = finding.exchange.status_code
            lines += [f"  Answer: HTTP {status}" if status is not None else "  No answer"]
    reproduce = first.curl if first else None
    if reproduce:
        lines += [
            "",
            "Reproduce ($SCV_TOKEN: a token from login; summary.md shows how to get one):",
            f"  {reproduce}",
        ]
    return Judgement("failed", "\n".join(lines), reproduce, verdict)


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())
