"""From recorded answers to the Overlay actions that make the contract accept them.

Each answer is validated against the schema the contract gives for its status. Every
violation names the schema node that refused it (followed through ``$ref``s to its place
in the document), and the node is relaxed just enough: a field absent but present in
another spelling gets that spelling as a property; a required field never sent is no
longer required; a value outside an enum extends the enum; a value of another JSON type
widens the type; a broken format, pattern or bound is dropped. Extra fields, accepted by
open schemas, are described too. Relaxing one node can uncover the next violation, so this
repeats until every answer fits or nothing more can be relaxed.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from conformance.calibrate.explore import Answer, contract_registry, dumps_short, schema_at
from conformance.contract.evidence import VALUE_KEYWORDS
from conformance.contract.overlay import apply_action, normalized_path
from conformance.contract.pointers import lookup, parts_of
from conformance.http.redaction import excerpt, is_secret_field

Pointer = tuple[str | int, ...]
EVIDENCE = "observed"
#: Evidence a learned action should not relax without a person looking at it.
STRONG_EVIDENCE = frozenset({"doc", "client"})
MAX_ROUNDS = 8
#: Keywords whose violation is relaxed by dropping the keyword: the value constraints that
#: have no gentler relaxation (a type widens, an enum grows, a required name goes), and not.
DROPPABLE = (VALUE_KEYWORDS - {"type", "enum", "required"}) | {"not"}
_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_JSON_TYPES = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


@dataclass
class _Edits:
    """What to relax in one schema node, and why."""

    add_properties: dict[str, Any] = field(default_factory=dict)
    drop_required: set[str] = field(default_factory=set)
    enum_add: list[Any] = field(default_factory=list)
    type_add: list[str] = field(default_factory=list)
    drop_keywords: set[str] = field(default_factory=set)
    why: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Adaptation:
    """The overlay actions learned, and the answers that still do not fit."""

    actions: list[dict[str, Any]]
    document: dict[str, Any]
    unfitting: list[str]
    checked: int


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    for kind, name in _JSON_TYPES:
        if isinstance(value, kind):
            return name
    return "string"


def response_schema(document: Mapping[str, Any], answer: Answer) -> Pointer | None:
    """Where in ``document`` the schema of ``answer``'s body is, or None if undocumented."""
    operation = document.get("paths", {}).get(answer.path, {}).get(answer.method)
    if not isinstance(operation, dict):
        return None
    responses = operation.get("responses") or {}
    status = str(answer.status)
    code = next(
        (c for c in (status, f"{status[0]}XX", "default") if c in responses),
        None,
    )
    if code is None:
        return None
    pointer: Pointer = ("paths", answer.path, answer.method, "responses", code)
    response = responses[code]
    ref = response.get("$ref") if isinstance(response, dict) else None
    if isinstance(ref, str):
        pointer = _ref_pointer(ref)
        response = _node(document, pointer)
    content = (response or {}).get("content") or {}
    media = next((m for m in content if "json" in m), None)
    if media is None or "schema" not in content[media]:
        return None
    return (*pointer, "content", media, "schema")


def answer_errors(document: Mapping[str, Any], answer: Answer) -> list[ValidationError]:
    """The violations of ``answer`` against ``document`` (empty when it fits)."""
    pointer = response_schema(document, answer)
    if pointer is None or not answer.is_json:
        return []
    validator = _validator(document, pointer)
    return list(validator.iter_errors(answer.body))


def adapt(document: Mapping[str, Any], answers: Iterable[Answer], version: str) -> Adaptation:
    """The actions that make ``document`` accept every answer, applied to a copy of it."""
    working = copy.deepcopy(dict(document))
    answers = [a for a in answers if a.is_json]
    actions: list[dict[str, Any]] = [
        {
            "target": "$.info",
            "description": "The contract was checked against this appliance's answers.",
            "update": {"x-observed-version": version},
            "x-evidence": EVIDENCE,
            "x-observed-version": version,
        }
    ]
    _apply(working, actions)
    for _ in range(MAX_ROUNDS):
        edits: dict[Pointer, _Edits] = {}
        for answer in answers:
            for error in answer_errors(working, answer):
                _explain(working, answer, error, edits)
        if not edits:
            break
        new = _actions(working, edits, version)
        if not new:
            break
        actions += new
    extras: dict[Pointer, _Edits] = {}
    for answer in answers:
        pointer = response_schema(working, answer)
        if pointer is not None:
            _walk_extras(working, pointer, answer.body, answer, extras, 0)
    actions += _actions(working, extras, version)
    unfitting = [
        f"{a.operation_id} {a.status}: {_where(e)}: {excerpt(e.message, 120)}"
        for a in answers
        for e in answer_errors(working, a)[:1]
    ]
    checked = sum(1 for a in answers if response_schema(working, a) is not None)
    return Adaptation(actions, working, unfitting, checked)


# -- from a violation to edits ----------------------------------------------------------


def _explain(
    document: dict[str, Any], answer: Answer, error: ValidationError, edits: dict[Pointer, _Edits]
) -> None:
    keyword = error.validator
    if keyword in ("oneOf", "anyOf"):
        for sub in _closest_branch(error):
            _explain(document, answer, sub, edits)
        return
    node_pointer = _schema_node(document, answer, error)
    if node_pointer is None:
        return
    node = _node(document, node_pointer)
    entry = edits.setdefault(node_pointer, _Edits())
    where = f"{answer.operation_id} {answer.status} {_where(error)}"
    if keyword == "required":
        match = _REQUIRED.match(error.message)
        instance = error.instance if isinstance(error.instance, dict) else {}
        if match is None:
            return
        name = match.group(1)
        variants = [k for k in instance if k != name and k.lower() == name.lower()]
        entry.drop_required.add(name)
        if variants:
            original = (node.get("properties") or {}).get(name, {})
            entry.add_properties[variants[0]] = {
                **copy.deepcopy(original),
                "description": f"The spelling of `{name}` this appliance sends.",
                "x-evidence": EVIDENCE,
            }
            entry.why.append(f"{where}: sends `{variants[0]}` for `{name}`")
        else:
            entry.why.append(f"{where}: `{name}` absent")
    elif keyword in ("additionalProperties", "unevaluatedProperties"):
        declared = set((node.get("properties") or {}).keys())
        instance = error.instance if isinstance(error.instance, dict) else {}
        for name, value in instance.items():
            if name not in declared:
                _add_extra(entry, name, value)
                entry.why.append(f"{where}: extra field `{name}`")
    elif keyword == "enum":
        if error.instance not in entry.enum_add:
            entry.enum_add.append(error.instance)
        entry.why.append(f"{where}: {_shown(error)} outside the enum")
    elif keyword == "type":
        kind = json_type(error.instance)
        if kind not in entry.type_add:
            entry.type_add.append(kind)
        entry.why.append(f"{where}: a {kind}")
    elif keyword in DROPPABLE:
        entry.drop_keywords.add(str(keyword))
        entry.why.append(f"{where}: {_shown(error)} breaks {keyword} {error.validator_value!r}")


def _closest_branch(error: ValidationError) -> list[ValidationError]:
    """The sub-errors of the oneOf/anyOf branch the instance came closest to."""
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    if not branches:
        return []

    def distance(item: tuple[Any, list[ValidationError]]) -> tuple[int, int]:
        _, subs = item
        type_miss = sum(1 for s in subs if s.validator == "type" and not s.path)
        return type_miss, len(subs)

    return min(branches.items(), key=distance)[1]


def _schema_node(
    document: dict[str, Any], answer: Answer, error: ValidationError
) -> Pointer | None:
    """The document location of the schema node whose keyword ``error`` broke."""
    start = response_schema(document, answer)
    if start is None:
        return None
    pointer: Pointer = start
    node: Any = _node(document, start)
    # the schema path steps over references: a step a node lacks goes through its $ref
    *steps, keyword = list(error.absolute_schema_path)
    for element in steps:
        if element == "$ref":
            continue
        pointer, node = _through_refs(document, pointer, node, element)
        if isinstance(node, dict | list) and _has(node, element):
            pointer, node = (*pointer, element), node[element]
        else:
            return None
    pointer, node = _through_refs(document, pointer, node, keyword)
    return pointer if isinstance(node, dict) else None


def _through_refs(
    document: dict[str, Any], pointer: Pointer, node: Any, element: Any
) -> tuple[Pointer, Any]:
    """Follow ``node``'s ``$ref``s until a node that has ``element``."""
    for _ in range(16):
        if not isinstance(node, dict) or element in node or not isinstance(node.get("$ref"), str):
            break
        pointer = _ref_pointer(node["$ref"])
        node = _node(document, pointer)
    return pointer, node


def _has(node: dict[str, Any] | list[Any], element: Any) -> bool:
    if isinstance(node, list):
        return isinstance(element, int) and 0 <= element < len(node)
    return element in node


def _add_extra(entry: _Edits, name: str, value: Any) -> None:
    kind = json_type(value)
    current = entry.add_properties.get(name)
    if current is None:
        entry.add_properties[name] = {
            "type": kind,
            "description": "A field this appliance sends that the contract does not describe.",
            "x-evidence": EVIDENCE,
        }
        return
    types = current["type"] if isinstance(current["type"], list) else [current["type"]]
    if kind not in types:
        current["type"] = [*types, kind]


def _walk_extras(
    document: dict[str, Any],
    pointer: Pointer,
    instance: Any,
    answer: Answer,
    edits: dict[Pointer, _Edits],
    depth: int,
) -> None:
    """Find fields an open schema accepts without describing them."""
    if depth > 24:
        return
    nodes = _applicable(document, pointer, instance, 0)
    if isinstance(instance, dict):
        declared: dict[str, list[Pointer]] = {}
        for node_pointer in nodes:
            for name in _node(document, node_pointer).get("properties") or {}:
                declared.setdefault(name, []).append((*node_pointer, "properties", name))
        holders = [p for p in nodes if "properties" in _node(document, p)]
        for name, value in instance.items():
            if name in declared:
                for sub in declared[name]:
                    _walk_extras(document, sub, value, answer, edits, depth + 1)
            elif holders:
                target = holders[-1]
                entry = edits.setdefault(target, _Edits())
                twin = next((d for d in declared if d.lower() == name.lower()), None)
                if twin is not None and name not in entry.add_properties:
                    entry.add_properties[name] = {
                        **copy.deepcopy(_node(document, declared[twin][0])),
                        "description": f"The spelling of `{twin}` this appliance sends.",
                        "x-evidence": EVIDENCE,
                    }
                    entry.why.append(f"{answer.operation_id} {answer.status}: sends `{name}`")
                    continue
                if name not in entry.add_properties:
                    entry.why.append(f"{answer.operation_id} {answer.status}: extra field `{name}`")
                _add_extra(entry, name, value)
    elif isinstance(instance, list):
        items = [(*p, "items") for p in nodes if isinstance(_node(document, p).get("items"), dict)]
        for element in instance[:50]:
            for item_pointer in items:
                _walk_extras(document, item_pointer, element, answer, edits, depth + 1)


def _applicable(
    document: dict[str, Any], pointer: Pointer, instance: Any, depth: int
) -> list[Pointer]:
    """The schema nodes that apply to ``instance``: through $ref, allOf, fitting branches."""
    node = _node(document, pointer)
    if not isinstance(node, dict) or depth > 16:
        return []
    found: list[Pointer] = [pointer]
    if isinstance(node.get("$ref"), str):
        found += _applicable(document, _ref_pointer(node["$ref"]), instance, depth + 1)
    for index, _ in enumerate(node.get("allOf") or []):
        found += _applicable(document, (*pointer, "allOf", index), instance, depth + 1)
    for key in ("oneOf", "anyOf"):
        for index, _ in enumerate(node.get(key) or []):
            branch = (*pointer, key, index)
            if _validator(document, branch).is_valid(instance):
                found += _applicable(document, branch, instance, depth + 1)
                if key == "oneOf":
                    break
    return found


# -- from edits to actions --------------------------------------------------------------


def _actions(
    document: dict[str, Any], edits: Mapping[Pointer, _Edits], version: str
) -> list[dict[str, Any]]:
    """The actions for ``edits``, each applied to ``document`` as it is made."""
    made: list[dict[str, Any]] = []

    def act(target: Pointer, description: str, relaxes: bool = False, **change: Any) -> None:
        action = {
            "target": normalized_path(target),
            "description": description,
            **change,
            "x-evidence": EVIDENCE,
            "x-observed-version": version,
        }
        # a documented or client-proven constraint relaxed deserves a person's look
        evidence = evidence_of(document, target) if relaxes else None
        if evidence in STRONG_EVIDENCE:
            action["x-relaxes-evidence"] = evidence
        _apply(document, [action])
        made.append(action)

    for pointer, entry in edits.items():
        node = _node(document, pointer)
        if not isinstance(node, dict):
            continue
        why = _summary(entry.why)
        new_properties = {
            k: v for k, v in entry.add_properties.items() if k not in (node.get("properties") or {})
        }
        if new_properties:
            act(
                pointer, f"Fields the appliance sends. {why}", update={"properties": new_properties}
            )
        dropped = [n for n in node.get("required") or [] if n in entry.drop_required]
        if dropped:
            remaining = [n for n in node["required"] if n not in entry.drop_required]
            act(
                (*pointer, "required"),
                f"No longer requires {', '.join(dropped)}. {why}",
                relaxes=True,
                remove=True,
            )
            if remaining:
                act(
                    pointer,
                    f"Still required: {', '.join(remaining)}.",
                    update={"required": remaining},
                )
        for value in entry.enum_add:
            if isinstance(node.get("enum"), list) and value not in node["enum"]:
                act((*pointer, "enum"), f"A value the appliance sends. {why}", True, update=value)
        if entry.type_add and "type" in node:
            current = node["type"] if isinstance(node["type"], list) else [node["type"]]
            widened = [*current, *(t for t in entry.type_add if t not in current)]
            if widened != current:
                act(pointer, f"Types the appliance sends. {why}", True, update={"type": widened})
        drop = sorted(k for k in entry.drop_keywords if k in node)
        if drop:
            relaxed = {k: v for k, v in _node(document, pointer).items() if k not in drop}
            relaxed["x-evidence"] = EVIDENCE
            text = f"Without {', '.join(drop)}, which the appliance's values break. {why}"
            if pointer and not isinstance(pointer[-1], int):
                act(pointer, text, relaxes=True, remove=True)
                act(pointer[:-1], f"{pointer[-1]} again, relaxed.", update={pointer[-1]: relaxed})
            else:
                for keyword in drop:
                    act((*pointer, keyword), text, relaxes=True, remove=True)
    return made


# -- small helpers ----------------------------------------------------------------------


def evidence_of(document: Mapping[str, Any], pointer: Pointer) -> str | None:
    """The ``x-evidence`` of the node at ``pointer`` or of its nearest ancestor."""
    for end in range(len(pointer), -1, -1):
        node = _node(document, pointer[:end])
        if isinstance(node, dict) and isinstance(node.get("x-evidence"), str):
            return str(node["x-evidence"])
    return None


def _apply(document: dict[str, Any], actions: Iterable[Mapping[str, Any]]) -> None:
    for action in actions:
        apply_action(document, action, "learned action")


def _validator(document: Mapping[str, Any], pointer: Pointer) -> Draft202012Validator:
    return Draft202012Validator(
        schema_at(pointer),
        registry=contract_registry(document),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _ref_pointer(ref: str) -> Pointer:
    """Where in the document a ``$ref`` points."""
    return parts_of(ref.partition("#")[2])


def _node(document: Any, pointer: Pointer) -> Any:
    """The node at ``pointer``, None where there is none."""
    return lookup(document, pointer, None)


def _summary(reasons: list[str], shown: int = 3) -> str:
    """Distinct reasons (list positions folded together), the first few of them."""
    distinct = list(dict.fromkeys(re.sub(r"\[\d+\]", "[]", r) for r in reasons))
    more = len(distinct) - shown
    return "; ".join(distinct[:shown]) + (f"; and {more} more" if more > 0 else "")


def _where(error: ValidationError) -> str:
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(body)"


def _shown(error: ValidationError) -> str:
    name = next((p for p in reversed(error.absolute_path) if isinstance(p, str)), "")
    return "a value" if is_secret_field(name) else dumps_short(error.instance)
