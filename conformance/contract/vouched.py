"""What the evidence vouches an appliance accepts: the contract as a promise about requests.

:mod:`conformance.contract.evidence` takes away the constraints only an assumption supports, to
judge what an appliance *sends*: an answer that breaks only an assumption deviates. Judging
what an appliance *refuses* needs the other reading. A request the contract calls valid is
promised to be accepted only as far as the evidence goes: where the value a request sends is
valid because of a constraint of ours (a length, a range or a pattern we chose, an enum
value no page names, a schema whose whole shape is our guess), the vendor promised nothing
about it, and an appliance refusing it contradicts our assumption, not its documentation.

:func:`vouched` derives the contract that accepts only what the evidence vouches for: every
assumption-only constraint becomes a guard that refuses each value it alone judged. Per
kind of constraint (``x-assumptions`` keywords, or every keyword of a schema under
``x-evidence: assumption``):

- ``maxLength``, ``minLength``, ``pattern``, ``format``: no string is vouched for there;
  ranges and ``multipleOf`` for numbers, item counts and ``uniqueItems`` for arrays, property
  counts for objects, alike;
- ``type``, ``enum``, ``const``: no value is vouched for; ``enum`` with ``values``: only
  those values lose the vouching, the documented ones keep it;
- ``anyOf``, ``oneOf``: each branch is judged by its own evidence (a branch that refers to a
  documented component keeps it), so a value is vouched for when a vouched branch takes it;
- ``required``, ``dependentRequired``, ``additionalProperties``, ``not``: these only refuse,
  a request they let through is not valid because of them: no guard.

A request valid under the contract but not under this one rests on an assumption: refused,
it is a deviation; a request valid under both is one the evidence promises, and refusing it
is a failure.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from conformance.contract.evidence import (
    ASSUMPTION,
    ASSUMPTIONS,
    evidence_of,
    map_subschemas,
    request_holders,
)

#: Keywords that judge values of one JSON type only, and that type.
_TYPED = {
    "maxLength": "string",
    "minLength": "string",
    "pattern": "string",
    "format": "string",
    "minimum": "number",
    "maximum": "number",
    "exclusiveMinimum": "number",
    "exclusiveMaximum": "number",
    "multipleOf": "number",
    "minItems": "array",
    "maxItems": "array",
    "uniqueItems": "array",
    "contains": "array",
    "minContains": "array",
    "maxContains": "array",
    "minProperties": "object",
    "maxProperties": "object",
    "propertyNames": "object",
}
#: Keywords that judge every value.
_ANY = frozenset({"type", "enum", "const"})
GUARD = "x-scv-vouched-guard"


def vouched(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the contract ``document`` whose requests accept only what evidence vouches."""
    out = copy.deepcopy(dict(document))
    components = out.get("components") or {}
    for name, schema in (components.get("schemas") or {}).items():
        components["schemas"][name] = vouch_schema(schema, None)
    for holder, evidence in request_holders(out):
        _vouch_holder(holder, evidence)
    return out


def vouch_schema(schema: Any, inherited: str | None) -> Any:
    """``schema`` with a guard for each constraint only an assumption supports."""
    if not isinstance(schema, dict):
        return schema
    evidence = evidence_of(schema, inherited)
    out = {key: map_subschemas(key, value, evidence, vouch_schema) for key, value in schema.items()}
    assumed: list[Mapping[str, Any]] = []
    if evidence == ASSUMPTION:
        assumed = [{"keyword": key} for key in schema if key in _TYPED or key in _ANY]
    else:
        assumed = [i for i in schema.get(ASSUMPTIONS) or [] if isinstance(i, Mapping)]
    guards = [g for g in map(_guard, assumed) if g is not None]
    if guards:
        out["allOf"] = [*out.get("allOf", []), *guards]
    return out


def _guard(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """The schema that refuses what the assumed keyword of ``item`` alone vouched for."""
    keyword = str(item.get("keyword"))
    values = item.get("values")
    if keyword == "enum" and isinstance(values, list):
        return {"not": {"enum": list(values)}, GUARD: keyword}
    if keyword in _TYPED:
        return {"not": {"type": _TYPED[keyword]}, GUARD: keyword}
    if keyword in _ANY:
        return {"not": {}, GUARD: keyword}
    return None  # required, additionalProperties...: they only ever refuse


def _vouch_holder(holder: dict[str, Any], inherited: str | None) -> None:
    """A parameter or request body: its schema, or its content's schemas."""
    if "$ref" in holder:
        return  # the component is guarded in place
    evidence = evidence_of(holder, inherited)
    if "schema" in holder:
        holder["schema"] = vouch_schema(holder["schema"], evidence)
    for media in (holder.get("content") or {}).values():
        if isinstance(media, dict) and "schema" in media:
            media["schema"] = vouch_schema(media["schema"], evidence_of(media, evidence))
