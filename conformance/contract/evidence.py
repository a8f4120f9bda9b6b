"""The contract without its assumptions: what the vendor documented or a client proved.

Every constraint of the contract carries its evidence (``specs/README.md``): ``x-evidence``
(``doc``, ``client``, ``assumption``, ``observed``) on an operation, a parameter, a
response or a schema covers everything written inside it that carries none of its own
(inheritance is lexical: a ``$ref`` leads to a component that states its own), and a
schema's ``x-assumptions`` names the keywords that are ours inside evidenced schema.

:func:`without_assumptions` derives the weaker contract that keeps only the evidenced
constraints. An answer the full contract refuses but this one accepts contradicts only an
assumption: a deviation, not a failure. Removing means, per kind of constraint:

- a schema under ``x-evidence: assumption``: every validation keyword goes (``type``,
  ``required``, ``additionalProperties``, ``enum``, ``pattern``, lengths, ranges, ``format``,
  ``anyOf``/``oneOf``...); the keywords holding subschemas stay, and their subschemas are
  judged by their own evidence (``properties`` of an assumed schema stay described, and a
  ``$ref`` still points at its component);
- a keyword named in ``x-assumptions`` goes; for ``required`` with ``values``, only those
  names leave the list;
- a response whose status is assumed (``x-evidence: assumption`` on the response, on the
  ``components/responses`` entry it refers to, or inherited from its operation): the
  status class is accepted instead (``4XX`` for an assumed ``404``), with no constraint on
  the body (its shape was assumed with it);
- a parameter or request body under ``x-evidence: assumption``: no longer required, its
  schema relaxed as above.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any

EVIDENCE = "x-evidence"
ASSUMPTIONS = "x-assumptions"
ASSUMPTION = "assumption"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

#: Keywords that constrain a value without holding a subschema: all go under an assumption.
VALUE_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "format",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minContains",
        "maxContains",
        "minProperties",
        "maxProperties",
        "required",
        "dependentRequired",
    }
)
#: Keywords that hold subschemas but constrain by themselves: they go under an assumption.
CONSTRAINING_APPLICATORS = frozenset(
    {"anyOf", "oneOf", "not", "contains", "propertyNames", "if", "then", "else"}
)
#: Keywords whose value is a map of name -> subschema.
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
#: Keywords whose value is one subschema.
SCHEMA_SINGLES = (
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
)
#: Keywords whose value is a list of subschemas.
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
#: Keys that hold documentation, never schemas.
NOT_SCHEMAS = ("example", "examples", "default", ASSUMPTIONS, "x-scv-business-rules")


def without_assumptions(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the contract ``document`` with every assumption-only constraint removed."""
    relaxed = copy.deepcopy(dict(document))
    components = relaxed.get("components") or {}
    for name, schema in (components.get("schemas") or {}).items():
        components["schemas"][name] = relax_schema(schema, None)
    for holder, evidence in request_holders(relaxed):
        _relax_holder(holder, evidence)
    for response in (components.get("responses") or {}).values():
        _relax_content(response, evidence_of(response, None))
    for operation, evidence in operations(relaxed):
        responses = operation.get("responses")
        if isinstance(responses, dict):
            operation["responses"] = _relax_responses(responses, components, evidence)
    return relaxed


def operations(document: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every operation of the contract ``document``, with the evidence it states or inherits
    from its path."""
    for item in (document.get("paths") or {}).values():
        if not isinstance(item, dict):
            continue
        inherited = evidence_of(item, None)
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield operation, evidence_of(operation, inherited)


def request_holders(document: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every parameter and request body of the contract ``document`` (the components' and
    the paths'), with the evidence it inherits (a ``$ref`` to a component among them)."""
    components = document.get("components") or {}
    yield from ((parameter, None) for parameter in (components.get("parameters") or {}).values())
    yield from ((body, None) for body in (components.get("requestBodies") or {}).values())
    for item in (document.get("paths") or {}).values():
        if isinstance(item, dict):
            inherited = evidence_of(item, None)
            yield from ((parameter, inherited) for parameter in item.get("parameters") or [])
    for operation, evidence in operations(document):
        yield from ((parameter, evidence) for parameter in operation.get("parameters") or [])
        if isinstance(operation.get("requestBody"), dict):
            yield operation["requestBody"], evidence


def evidence_of(node: Mapping[str, Any], inherited: str | None) -> str | None:
    """The evidence ``node`` states, else the one it inherits."""
    value = node.get(EVIDENCE)
    return str(value) if value is not None else inherited


def map_subschemas(
    key: str, value: Any, evidence: str | None, each: Callable[[Any, str | None], Any]
) -> Any:
    """A schema's ``value`` at ``key`` with ``each(subschema, evidence)`` in place of every
    subschema it holds (a value that holds none as it is)."""
    if key in NOT_SCHEMAS or key.startswith("x-"):
        return value
    if key in SCHEMA_MAPS and isinstance(value, dict):
        return {name: each(sub, evidence) for name, sub in value.items()}
    if key in SCHEMA_SINGLES and isinstance(value, dict):
        return each(value, evidence)
    if key in SCHEMA_LISTS and isinstance(value, list):
        return [each(sub, evidence) for sub in value]
    return value


def relax_schema(schema: Any, inherited: str | None) -> Any:
    """``schema`` without the constraints only an assumption supports (a new object)."""
    if not isinstance(schema, dict):
        return schema
    evidence = evidence_of(schema, inherited)
    relaxed: dict[str, Any] = {}
    for key, value in schema.items():
        if evidence == ASSUMPTION and key in VALUE_KEYWORDS | CONSTRAINING_APPLICATORS:
            continue
        if evidence == ASSUMPTION and key == "additionalProperties":
            continue
        relaxed[key] = map_subschemas(key, value, evidence, relax_schema)
    if evidence != ASSUMPTION:
        for item in schema.get(ASSUMPTIONS) or []:
            _drop_assumed(relaxed, item)
    return relaxed


def _drop_assumed(schema: dict[str, Any], item: Mapping[str, Any]) -> None:
    """Remove the keyword an ``x-assumptions`` item names (only its ``values`` for a list)."""
    keyword = str(item.get("keyword"))
    if keyword not in schema:
        return
    values = item.get("values")
    if values is not None and isinstance(schema[keyword], list):
        kept = [v for v in schema[keyword] if v not in values]
        if kept:
            schema[keyword] = kept
            return
    del schema[keyword]


def _relax_holder(holder: dict[str, Any], inherited: str | None) -> None:
    """A parameter or request body: an assumed one is no longer required (a path
    parameter always is); its schema, or its content's schemas, relaxed."""
    if "$ref" in holder:
        return  # the component is relaxed in place
    evidence = evidence_of(holder, inherited)
    if evidence == ASSUMPTION and holder.get("in") != "path":
        holder["required"] = False
    if "schema" in holder:
        holder["schema"] = relax_schema(holder["schema"], evidence)
    _relax_content(holder, evidence)


def _relax_content(holder: dict[str, Any], evidence: str | None) -> None:
    for media in (holder.get("content") or {}).values():
        if isinstance(media, dict) and "schema" in media:
            media["schema"] = relax_schema(media["schema"], evidence_of(media, evidence))


def _relax_responses(
    responses: Mapping[str, Any], components: Mapping[str, Any], evidence: str | None
) -> dict[str, Any]:
    """Evidenced statuses as they are; each assumed one widened to its class, body open."""
    kept: dict[str, Any] = {}
    widened: dict[str, dict[str, Any]] = {}
    for status, response in responses.items():
        if not isinstance(response, dict):
            kept[status] = response
            continue
        if _response_evidence(response, components, evidence) == ASSUMPTION:
            key = f"{str(status)[0]}XX" if str(status)[:1].isdigit() else str(status)
            widened[key] = {
                "description": "Assumed status; with the assumptions removed, any status of "
                "this class, its body unconstrained.",
                EVIDENCE: ASSUMPTION,
            }
            continue
        if "$ref" not in response:
            _relax_content(response, evidence_of(response, evidence))
        kept[status] = response
    for key, response in widened.items():
        kept.setdefault(key, response)
    return kept


def _response_evidence(
    response: Mapping[str, Any], components: Mapping[str, Any], inherited: str | None
) -> str | None:
    """A response's evidence: its own, else its component's (through ``$ref``), else inherited."""
    if EVIDENCE in response:
        return str(response[EVIDENCE])
    ref = response.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/responses/"):
        target = (components.get("responses") or {}).get(ref.rsplit("/", 1)[-1])
        if isinstance(target, dict):
            return _response_evidence(target, components, inherited)
    return inherited
