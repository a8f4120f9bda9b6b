"""Comparing the appliance's API description with the contract, difference by difference.

Seen from a client of the contract: what the contract promises and the appliance no longer
describes, or describes otherwise, is **breaking** (an operation gone, a response field
gone or retyped, a new required parameter or request field); what the appliance describes
beyond the contract is **non-breaking** (additions, a required field made optional in a
request, a format stated differently).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from conformance.calibrate.description import ApiModel, Field, OperationModel

BREAKING = "breaking"
NON_BREAKING = "non-breaking"


@dataclass(frozen=True)
class Difference:
    """One way the appliance's description differs from the contract."""

    severity: str
    kind: str
    operation: str
    operation_id: str | None
    where: str
    ours: str | None
    theirs: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def compare(ours: ApiModel, theirs: ApiModel) -> list[Difference]:
    """Every difference between the two descriptions, breaking ones first."""
    found: list[Difference] = []
    for key, our_op in ours.operations.items():
        their_op = theirs.operations.get(key)
        if their_op is None:
            found.append(
                _diff(
                    BREAKING,
                    "operation-gone",
                    our_op,
                    "",
                    "described",
                    None,
                    "the appliance does not describe this operation",
                )
            )
            continue
        found += _compare_operation(our_op, their_op)
    for key, their_op in theirs.operations.items():
        if key not in ours.operations:
            found.append(
                _diff(
                    NON_BREAKING,
                    "operation-added",
                    their_op,
                    "",
                    None,
                    "described",
                    "the appliance describes an operation the contract does not have",
                )
            )
    return sorted(found, key=lambda d: (d.severity != BREAKING, d.operation, d.kind, d.where))


def _compare_operation(ours: OperationModel, theirs: OperationModel) -> list[Difference]:
    found: list[Difference] = []
    for key, our_field in ours.parameters.items():
        where = _parameter_where(key, ours)
        their_field = theirs.parameters.get(key)
        if their_field is None:
            severity = BREAKING if our_field.required else NON_BREAKING
            found.append(
                _diff(
                    severity,
                    "parameter-gone",
                    ours,
                    where,
                    our_field.type_text(),
                    None,
                    "the appliance does not describe this parameter",
                )
            )
            continue
        found += _compare_field(ours, "parameter", where, our_field, their_field, request=True)
    for key, their_field in theirs.parameters.items():
        if key in ours.parameters:
            continue
        severity = BREAKING if their_field.required else NON_BREAKING
        found.append(
            _diff(
                severity,
                "parameter-added",
                ours,
                _parameter_where(key, theirs),
                None,
                _required_text(their_field),
                "the appliance describes a parameter the contract does not have",
            )
        )
    found += _compare_fields(ours, "request field", "request", ours.request, theirs.request)
    for status, our_fields in ours.responses.items():
        their_fields = theirs.responses.get(status)
        if their_fields is None:
            severity = BREAKING if status.startswith("2") else NON_BREAKING
            found.append(
                _diff(
                    severity,
                    "response-gone",
                    ours,
                    f"response {status}",
                    "described",
                    None,
                    f"the appliance does not describe a {status} answer",
                )
            )
            continue
        found += _compare_fields(
            ours, "response field", f"response {status}", our_fields, their_fields
        )
    for status in theirs.responses:
        if status not in ours.responses:
            found.append(
                _diff(
                    NON_BREAKING,
                    "response-added",
                    ours,
                    f"response {status}",
                    None,
                    "described",
                    f"the appliance describes a {status} answer as well",
                )
            )
    return found


def _compare_fields(
    op: OperationModel,
    noun: str,
    where: str,
    ours: dict[str, Field] | None,
    theirs: dict[str, Field] | None,
) -> list[Difference]:
    request = noun == "request field"
    ours, theirs = ours or {}, theirs or {}
    kind = noun.replace(" ", "-")
    found: list[Difference] = []
    for name, our_field in ours.items():
        their_field = theirs.get(name)
        label = f"{where} `{name}`"
        if their_field is None:
            if _parent_missing(name, theirs):
                continue  # named once, at the highest field that is gone
            # a request field we send and the appliance no longer knows breaks if we
            # always send it; a response field we rely on breaks whenever it is gone
            severity = BREAKING if (our_field.required or not request) else NON_BREAKING
            found.append(
                _diff(
                    severity,
                    f"{kind}-gone",
                    op,
                    label,
                    our_field.type_text(),
                    None,
                    f"the appliance does not describe this {noun}",
                )
            )
            continue
        found += _compare_field(op, noun, label, our_field, their_field, request=request)
    for name, their_field in theirs.items():
        if name in ours or _parent_missing(name, ours):
            continue
        severity = BREAKING if (request and their_field.required) else NON_BREAKING
        found.append(
            _diff(
                severity,
                f"{kind}-added",
                op,
                f"{where} `{name}`",
                None,
                _required_text(their_field),
                f"the appliance describes a {noun} the contract does not have",
            )
        )
    return found


def _compare_field(
    op: OperationModel, noun: str, where: str, ours: Field, theirs: Field, *, request: bool
) -> list[Difference]:
    kind = noun.replace(" ", "-")
    found: list[Difference] = []
    if ours.types and theirs.types and ours.types != theirs.types:
        found.append(
            _diff(
                BREAKING,
                f"{kind}-retyped",
                op,
                where,
                ours.type_text(),
                theirs.type_text(),
                f"{noun} retyped",
            )
        )
    elif ours.nullable != theirs.nullable:
        found.append(
            _diff(
                NON_BREAKING,
                f"{kind}-nullability",
                op,
                where,
                ours.type_text(),
                theirs.type_text(),
                f"{noun} {'may' if theirs.nullable else 'may not'} be null",
            )
        )
    if ours.required != theirs.required:
        # a request input newly required, or a response field no longer promised, breaks
        breaking = theirs.required if request else ours.required
        found.append(
            _diff(
                BREAKING if breaking else NON_BREAKING,
                f"{kind}-{'required' if theirs.required else 'optional'}",
                op,
                where,
                _required_text(ours),
                _required_text(theirs),
                f"{noun} {'required' if theirs.required else 'optional'} on the appliance",
            )
        )
    if ours.format != theirs.format and ours.types == theirs.types:
        found.append(
            _diff(
                NON_BREAKING,
                f"{kind}-format",
                op,
                where,
                ours.format or "(none)",
                theirs.format or "(none)",
                f"{noun} format differs",
            )
        )
    return found


def _parent_missing(name: str, fields: dict[str, Field]) -> bool:
    """True when a containing field of ``name`` is itself absent from ``fields``."""
    parent = name
    while True:
        cut = max(parent.rfind("."), parent.rfind("[]"))
        if cut <= 0:
            return False
        parent = parent[:cut]
        if parent not in fields:
            return True


def _parameter_where(key: tuple[str, str], op: OperationModel) -> str:
    location, name = key
    return f"{location} parameter `{op.path_names.get(name, name)}`"


def _required_text(value: Field) -> str:
    return f"{value.type_text()}, {'required' if value.required else 'optional'}"


def _diff(
    severity: str,
    kind: str,
    op: OperationModel,
    where: str,
    ours: str | None,
    theirs: str | None,
    message: str,
) -> Difference:
    return Difference(severity, kind, op.label, op.operation_id, where, ours, theirs, message)
