"""Assumed success criteria of the workflows, adapted to what the appliance answered.

A step's criterion marked ``x-evidence: assumption`` (a job type the vendor's pages never
name, say) that the appliance's answer did not meet is a deviation of every run. When
``learn --allow-destructive`` ran the workflow, it heard the value the appliance answers
there; this module turns each such criterion of the form ``<expression> == <literal>`` into
an Overlay action on the scenario documents that expects the value heard instead
(``x-evidence: observed`` with the appliance's version), so that a run with the overlay no
longer deviates there and fails if the appliance later answers otherwise. The action's
target selects the criterion by workflow, step and condition, so it selects nothing once
the document says something else. Criteria of other forms are reported, not adapted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.calibrate.adapt import EVIDENCE
from conformance.http.redaction import excerpt
from conformance.scenarios.arazzo.criteria import tokenize
from conformance.scenarios.arazzo.engine import RunResult
from conformance.scenarios.arazzo.failures import ExpressionError

_LITERALS = ("string", "number", "word")


@dataclass(frozen=True)
class Heard:
    """An assumed criterion of a workflow step the appliance's answer did not meet."""

    workflow_id: str
    step_id: str
    condition: str
    #: The values of the condition's runtime expressions then.
    values: Mapping[str, Any]


@dataclass
class CriteriaAdaptation:
    """The actions for the scenario documents, and the criteria they could not adapt."""

    actions: list[dict[str, Any]]
    unfitting: list[str]


def heard_in(result: RunResult) -> list[Heard]:
    """The assumed criteria a workflow run did not meet (the engine's soft failures)."""
    return [
        Heard(failure.workflow_id, failure.step_id, str(unmet.criterion["condition"]), unmet.values)
        for failure in result.soft_failures
        for unmet in failure.unmet
        if "condition" in unmet.criterion
    ]


def adapt_criteria(heard: Iterable[Heard], version: str) -> CriteriaAdaptation:
    """One action per criterion heard: expect the value (or values) the appliance sent."""
    values: dict[tuple[str, str, str], list[Any]] = {}
    for item in heard:
        expression = _compared(item.condition)
        seen = values.setdefault((item.workflow_id, item.step_id, item.condition), [])
        value = item.values.get(expression) if expression is not None else None
        if expression in item.values and value not in seen:
            seen.append(value)
    adaptation = CriteriaAdaptation([], [])
    for (workflow_id, step_id, condition), answered in values.items():
        expression = _compared(condition)
        literals = [_literal(value) for value in answered]
        where = f"workflow {workflow_id}, step {step_id}: {condition}"
        if expression is None or not literals or None in literals:
            shown = ", ".join(excerpt(json.dumps(v, default=str), 80) for v in answered)
            shown = shown or "nothing"
            adaptation.unfitting.append(f"{where} (the appliance answered {shown})")
            continue
        expected = " || ".join(f"{expression} == {literal}" for literal in literals)
        adaptation.actions.append(
            {
                "target": _target(workflow_id, step_id, condition),
                "description": f"What this appliance answers where the workflow assumed "
                f"{condition!r}.",
                "update": {
                    "condition": expected,
                    "x-evidence": EVIDENCE,
                    "x-observed-version": version,
                },
                "x-evidence": EVIDENCE,
                "x-observed-version": version,
            }
        )
    return adaptation


def _compared(condition: str) -> str | None:
    """The runtime expression of ``<expression> == <literal>`` (either way round), else None."""
    try:
        tokens = tokenize(condition)
    except ExpressionError:
        return None
    if len(tokens) != 3 or (tokens[1].kind, tokens[1].text) != ("op", "=="):
        return None
    kinds = (tokens[0].kind, tokens[2].kind)
    if kinds[0] == "expr" and kinds[1] in _LITERALS:
        return tokens[0].text
    if kinds[1] == "expr" and kinds[0] in _LITERALS:
        return tokens[2].text
    return None


def _literal(value: Any) -> str | None:
    """``value`` written as a literal of a simple condition; None when it has no such form."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int | float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return None


def _target(workflow_id: str, step_id: str, condition: str) -> str:
    """The JSONPath of one criterion of one step of one workflow, by their names."""
    return (
        f"$.workflows[?@.workflowId=={json.dumps(workflow_id)}]"
        f".steps[?@.stepId=={json.dumps(step_id)}]"
        f".successCriteria[?@.condition=={json.dumps(condition)}]"
    )
