"""What a release variant's changes do: to the answers, to their timing, to the description."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from conformance.contract.spec import Operation
from conformance.emulator.errors import ApiError
from conformance.emulator.handlers.registry import Context, Handler, Result
from conformance.emulator.releases import (
    ChangedStatus,
    NewOperation,
    ReleaseVariant,
    RenamedField,
    SlowerOperation,
)

SCHEMAS = "#/components/schemas/"
APPLIANCE_NAME = "SnapCenter Plug-in for VMware vSphere"


def wrap(variant: ReleaseVariant | None, operation_id: str, handler: Handler) -> Handler:
    """``handler`` as the variant changes it."""
    if variant is None:
        return handler
    for renamed in variant.of_kind(RenamedField):
        if renamed.operation_id == operation_id:
            handler = _renaming(renamed, handler)
    for changed in variant.of_kind(ChangedStatus):
        if changed.operation_id == operation_id:
            handler = _restatus(changed, handler)
    return handler


def extra_delay(variant: ReleaseVariant | None, operation_id: str) -> float:
    """Seconds the variant adds to an operation's answer."""
    if variant is None:
        return 0.0
    slower = variant.of_kind(SlowerOperation)
    return sum(s.extra_ms for s in slower if s.operation_id == operation_id) / 1000.0


def rename_items(payload: Any, renamed: RenamedField) -> None:
    """Rename the field in every item of the answer's list (in place)."""
    if not isinstance(payload, dict):
        return
    for item in payload.get(renamed.list_field) or []:
        if isinstance(item, dict) and renamed.old in item:
            item[renamed.new] = item.pop(renamed.old)


def _renaming(renamed: RenamedField, handler: Handler) -> Handler:
    def wrapped(ctx: Context) -> Result:
        result = handler(ctx)
        rename_items(result.response, renamed)
        return result

    return wrapped


def _restatus(changed: ChangedStatus, handler: Handler) -> Handler:
    def wrapped(ctx: Context) -> Result:
        try:
            return handler(ctx)
        except ApiError as exc:
            if exc.status == changed.old:
                raise ApiError(changed.new, exc.message) from None
            raise

    return wrapped


def describe(variant: ReleaseVariant, document: dict[str, Any]) -> list[tuple[Operation, Handler]]:
    """Change the served description as the variant does; its new operations and handlers."""
    document["info"]["version"] = variant.version
    for renamed in variant.of_kind(RenamedField):
        _describe_rename(renamed, document)
    for changed in variant.of_kind(ChangedStatus):
        _describe_status(changed, document)
    added = []
    for new in variant.of_kind(NewOperation):
        factory = _NEW_OPERATIONS[new.operation_id]
        definition, components, handler = factory(variant)
        item = document["paths"].setdefault(new.path, {})
        item[new.method] = {"operationId": new.operation_id, **definition}
        for name, schema in components.items():
            document["components"]["schemas"][name] = schema
        for tag in definition.get("tags", []):
            if tag not in {t["name"] for t in document.get("tags", [])}:
                document.setdefault("tags", []).append({"name": tag})
        operation = Operation(
            operation_id=new.operation_id,
            method=new.method,
            path=new.path,
            since=variant.version,
            evidence="assumption",
            definition=item[new.method],
        )
        added.append((operation, handler))
    return added


def _operation(document: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for item in document["paths"].values():
        for value in item.values():
            if isinstance(value, dict) and value.get("operationId") == operation_id:
                return value
    raise KeyError(f"no operation {operation_id!r} in the description")


def _list_property(node: Any, name: str) -> dict[str, Any] | None:
    """The schema of property ``name`` wherever it sits in ``node`` (an envelope schema)."""
    if isinstance(node, dict):
        found = node.get("properties", {}).get(name)
        if isinstance(found, dict):
            return found
        for value in node.values():
            inner = _list_property(value, name)
            if inner is not None:
                return inner
    elif isinstance(node, list):
        for value in node:
            inner = _list_property(value, name)
            if inner is not None:
                return inner
    return None


def _describe_rename(renamed: RenamedField, document: dict[str, Any]) -> None:
    """The getter's list items get their own schema, the contract's with the field renamed."""
    schemas = document["components"]["schemas"]
    item_schema = copy.deepcopy(schemas[renamed.schema])
    properties = item_schema["properties"]
    properties[renamed.new] = properties.pop(renamed.old)
    if renamed.old in item_schema.get("required", []):
        item_schema["required"] = [
            renamed.new if name == renamed.old else name for name in item_schema["required"]
        ]
    schemas[renamed.renamed_schema] = item_schema
    answer = _operation(document, renamed.operation_id)["responses"]["200"]
    content = answer["content"]["application/json"]
    envelope = schemas[content["schema"]["$ref"].removeprefix(SCHEMAS)]
    listed = _list_property(envelope, renamed.list_field)
    if listed is None:
        raise KeyError(f"no {renamed.list_field} in the answer of {renamed.operation_id}")
    listed["items"] = {"$ref": SCHEMAS + renamed.renamed_schema}
    if "example" in content:
        rename_items(content["example"].get("response"), renamed)


def _describe_status(changed: ChangedStatus, document: dict[str, Any]) -> None:
    responses = _operation(document, changed.operation_id)["responses"]
    old = responses.pop(str(changed.old))
    responses.setdefault(str(changed.new), old)


NewOperationParts = tuple[dict[str, Any], dict[str, Any], Handler]


def _appliance_info(variant: ReleaseVariant) -> NewOperationParts:
    definition = {
        "tags": ["appliance"],
        "summary": "Get appliance information",
        "description": "The name and release of the appliance.",
        "responses": {
            "200": {
                "description": "The appliance.",
                "content": {
                    "application/json": {"schema": {"$ref": SCHEMAS + "ApplianceInfoEnvelope"}}
                },
            },
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "500": {"$ref": "#/components/responses/ServerError"},
        },
    }
    components = {
        "ApplianceInfo": {
            "type": "object",
            "required": ["name", "version"],
            "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
        },
        "ApplianceInfoEnvelope": {
            "allOf": [
                {"$ref": SCHEMAS + "Envelope"},
                {
                    "type": "object",
                    "properties": {"response": {"$ref": SCHEMAS + "ApplianceInfo"}},
                },
            ]
        },
    }

    def handler(ctx: Context) -> Result:
        return Result({"name": APPLIANCE_NAME, "version": variant.version})

    return definition, components, handler


_NEW_OPERATIONS: dict[str, Callable[[ReleaseVariant], NewOperationParts]] = {
    "getApplianceInfo": _appliance_info,
}
