"""Scenario criteria that rest on our assumptions: one that fails is a deviation.

A success criterion (or a whole step) of a scenario document may carry ``x-evidence``, as
the contract's constraints do (``specs/README.md``); a criterion without its own takes its
step's. A criterion marked ``assumption`` checks something the vendor never documented (a
job type the pages do not name, say): when it does not hold, the step still succeeds and
the workflow goes on, and the run reports a deviation, which fails it only under --strict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.contract.evidence import ASSUMPTION, EVIDENCE


def assumed(step: Mapping[str, Any], criterion: Mapping[str, Any]) -> bool:
    """Whether ``criterion`` of ``step`` rests on an assumption only."""
    return criterion.get(EVIDENCE, step.get(EVIDENCE)) == ASSUMPTION
