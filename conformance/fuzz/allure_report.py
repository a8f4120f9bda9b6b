"""Allure metadata of fuzzing items: title, labels, parameters and failure attachments."""

from __future__ import annotations

import allure

from conformance.contract import deviation
from conformance.fuzz.verdicts import Verdict

#: The sub-suite of every fuzzing test, under its API area and operation.
SUB_SUITE = "fuzzing"
#: Parameters that vary between runs of the same test (the profile too: a smoke and a full
#: run of one check share one history), kept out of Allure's history id.
RUN_SPECIFIC = frozenset({"seed", "cases", "target", "profile"})


def describe(subject: str, check: str, feature: str, parameters: dict[str, str]) -> None:
    """Title ``<subject>: <check>`` and the labels the report groups by: the tree by API
    area (the contract's tag), then operation; the behaviours view by the same."""
    allure.dynamic.title(f"{subject}: {check}")
    allure.dynamic.parent_suite(feature)
    allure.dynamic.suite(subject)
    allure.dynamic.sub_suite(SUB_SUITE)
    allure.dynamic.feature(feature)
    allure.dynamic.story(subject)
    for name, value in parameters.items():
        # Run-specific values stay out of Allure's history id, so trends follow the test.
        allure.dynamic.parameter(name, value, excluded=name in RUN_SPECIFIC)


def attach_failures(verdict: Verdict, deviations: bool = False) -> None:
    """The redacted exchanges and curl commands of the kept failing (or deviating) cases."""
    findings = verdict.deviations if deviations else verdict.findings
    for number, finding in enumerate(findings, start=1):
        if finding.exchange is None:
            continue
        allure.attach(
            finding.exchange.render(),
            name=f"case {number}: request and response",
            attachment_type=allure.attachment_type.TEXT,
        )
        allure.attach(
            finding.curl, name=f"case {number}: curl", attachment_type=allure.attachment_type.TEXT
        )


def mark_deviation(message: str, verdict: Verdict) -> None:
    """A deviation: tagged, its text as the description, its cases attached."""
    allure.dynamic.tag(deviation.DEVIATION)
    allure.dynamic.description(f"Deviation from our assumptions\n\n```\n{message}\n```")
    attach_failures(verdict, deviations=True)
