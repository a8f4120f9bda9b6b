"""The token probe's verdict graded: a refusal by another 4xx than an assumed 401 deviates.

The grading itself (failure or deviation, per check) is :mod:`conformance.contract.grading`,
shared with ``scv-conformance check``.
"""

from __future__ import annotations

from dataclasses import replace

from conformance.contract.grading import Grader, Sent
from conformance.contract.scv_rules import AUTH_REQUIRED
from conformance.fuzz.verdicts import Verdict


def regrade_auth(grader: Grader, verdict: Verdict, sent: Sent) -> Verdict:
    """The token probe's verdict with refusals by another 4xx than an assumed 401 as
    deviations."""
    if verdict.check != AUTH_REQUIRED or not verdict.findings:
        return verdict
    graded = Verdict(verdict.check, passed=verdict.passed)
    graded.errors = list(verdict.errors)
    for finding in verdict.findings:
        status = finding.exchange.status_code if finding.exchange else None
        graded.add_failure(replace(finding, deviation=grader.auth_refusal_deviates(sent, status)))
    return graded
