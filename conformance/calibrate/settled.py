"""What an appliance's own description settles of what the contract reconstructed.

Some operations exist because the documentation names them, not because it shows them:
their path, method or fields are the contract's reconstruction (``x-evidence:
assumption`` on the operation), or the pages give the path two ways
(``x-scv-alternative-of``). An appliance that describes such an operation elsewhere, or
only one of a pair, breaks no promise: what the contract reconstructed was never one.
And a schema may name a documented feature whose fields are unpublished
(``x-scv-extension-points``): the fields an appliance describes there are those names.

:func:`settle` rereads the differences ``compare`` found with this knowledge: a missing
reconstructed operation is not breaking and names the operations the appliance describes
that may be it; a request field added where an extension point waits says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from conformance.calibrate.compare import BREAKING, NON_BREAKING, Difference
from conformance.contract.spec import Contract, Operation, release_key

UNCONFIRMED = "operation-unconfirmed"
EXTENSION_POINTS = "x-scv-extension-points"
#: Path segments too common to suggest that two paths are the same operation.
_COMMON = frozenset({"api", "4.1", "backups", "backup"})


def settle(
    contract: Contract, differences: Iterable[Difference], release: str | None
) -> list[Difference]:
    """``differences`` with reconstructed operations and extension points accounted for."""
    found = list(differences)
    added = [d for d in found if d.kind == "operation-added"]
    gone = {d.operation_id for d in found if d.kind == "operation-gone"}
    points = extension_points(contract, release)
    settled = []
    for difference in found:
        operation = _operation(contract, difference.operation_id)
        if difference.kind == "operation-gone" and operation is not None:
            reason = _reconstructed(operation, gone)
            if reason is not None:
                difference = replace(
                    difference,
                    severity=NON_BREAKING,
                    kind=UNCONFIRMED,
                    message=f"{reason}; {_candidates(operation, added)}",
                )
        elif difference.kind == "request-field-added" and difference.operation_id in points:
            name, since = points[difference.operation_id]
            difference = replace(
                difference,
                message=(
                    f"{difference.message}: a field of the {name} extension point ({since}), "
                    "whose names the vendor does not publish; this description settles it"
                ),
            )
        settled.append(difference)
    return sorted(settled, key=lambda d: (d.severity != BREAKING, d.operation, d.kind, d.where))


def extension_points(contract: Contract, release: str | None) -> dict[str, tuple[str, str]]:
    """operationId -> (extension point, since) for each request schema that has one the
    described release ships (every one when the release is not known)."""
    schemas: Mapping[str, Any] = contract.document.get("components", {}).get("schemas", {})
    waiting: dict[str, tuple[str, str]] = {}
    for name, schema in schemas.items():
        for point in schema.get(EXTENSION_POINTS) or []:
            since = str(point.get("since", ""))
            if release is None or release_key(since) <= release_key(release):
                waiting[f"#/components/schemas/{name}"] = (str(point["name"]), since)
    found = {}
    for operation in contract.operations:
        body = (operation.definition.get("requestBody") or {}).get("content") or {}
        for media in body.values():
            ref = (media.get("schema") or {}).get("$ref")
            if ref in waiting:
                found[operation.operation_id] = waiting[ref]
    return found


def _operation(contract: Contract, operation_id: str | None) -> Operation | None:
    if operation_id is None:
        return None
    try:
        return contract.operation(operation_id)
    except KeyError:
        return None


def _reconstructed(operation: Operation, gone: set[str | None]) -> str | None:
    """Why a missing ``operation`` breaks no promise, or None when it does."""
    other = operation.alternative_of
    if other is not None and other not in gone:
        return f"the pages name this path two ways and the appliance describes {other}"
    if operation.evidence == "assumption":
        return (
            "the contract reconstructed this operation (x-evidence: assumption); the "
            "appliance's description settles where it is"
        )
    return None


def _candidates(operation: Operation, added: list[Difference]) -> str:
    """The operations the appliance describes beyond the contract that may be this one."""
    ours = _segments(operation.path)
    method = operation.method.upper()
    likely = [
        d.operation + (f" ({d.operation_id})" if d.operation_id else "")
        for d in added
        if d.operation_id == operation.operation_id
        or (d.operation.split(" ")[0] == method and ours & _segments(d.operation))
    ]
    if not likely:
        return "it describes no operation that looks like it"
    return "it may be " + ", ".join(likely)


def _segments(path: str) -> set[str]:
    words = path.split(" ")[-1].lower().split("/")
    return {w for w in words if w and not w.startswith("{") and w not in _COMMON}
