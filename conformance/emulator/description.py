"""The emulator's own API description, as springdoc serves an appliance's at /api/v3/api-docs.

It is the contract cut down to what the emulator serves: only the operations of the
played release, only the components, tags and links they use, versioned as the appliance,
without the contract's provenance annotations (``x-evidence``, ``x-scv-since``), which are
ours and not the appliance's.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from typing import Any

from conformance.contract.spec import HTTP_METHODS, Operation

COMPONENT_REF = "#/components/"


def describe(
    document: dict[str, Any], operations: Iterable[Operation], version: str
) -> dict[str, Any]:
    """The description of a server that serves ``operations`` of contract ``document``."""
    served = {(op.path, op.method) for op in operations}
    ids = {op.operation_id for op in operations}
    described = _without_annotations(copy.deepcopy(document))
    described["info"]["version"] = version
    paths: dict[str, Any] = {}
    for path, item in described["paths"].items():
        kept = {
            key: value
            for key, value in item.items()
            if key not in HTTP_METHODS or (path, key) in served
        }
        if any(method in kept for method in HTTP_METHODS):
            paths[path] = kept
    described["paths"] = paths
    _drop_links_to_others(described, ids)
    prune(described)
    return described


def prune(document: dict[str, Any]) -> None:
    """Drop the components and tags that no path uses any more (security schemes stay)."""
    reachable = _reachable(document)
    components = document.get("components", {})
    for kind, entries in list(components.items()):
        if kind == "securitySchemes":
            continue
        for name in list(entries):
            if f"{COMPONENT_REF}{kind}/{name}" not in reachable:
                del entries[name]
        if not entries:
            del components[kind]
    used_tags = {
        tag
        for item in document["paths"].values()
        for op in _ops(item)
        for tag in op.get("tags", [])
    }
    if "tags" in document:
        document["tags"] = [tag for tag in document["tags"] if tag["name"] in used_tags]


def encode(document: dict[str, Any]) -> bytes:
    """The description as the JSON bytes served."""
    return json.dumps(document).encode()


def _ops(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return (item[method] for method in HTTP_METHODS if method in item)


def _without_annotations(node: Any, in_properties: bool = False) -> Any:
    """``node`` without ``x-`` keys (a property that happens to be named ``x-...`` stays)."""
    if isinstance(node, dict):
        return {
            key: _without_annotations(value, key == "properties")
            for key, value in node.items()
            if in_properties or not key.startswith("x-")
        }
    if isinstance(node, list):
        return [_without_annotations(value) for value in node]
    return node


def _drop_links_to_others(document: dict[str, Any], served_ids: set[str]) -> None:
    """Links lead only to served operations (a 4.1 appliance has no ``getJob`` to follow)."""
    component_links = document.get("components", {}).get("links", {})
    for name, link in list(component_links.items()):
        if link.get("operationId") not in served_ids:
            del component_links[name]
    for item in document["paths"].values():
        for operation in _ops(item):
            for response in operation.get("responses", {}).values():
                links = response.get("links")
                if not links:
                    continue
                for name, link in list(links.items()):
                    ref = link.get("$ref", "")
                    gone = ref and ref.rsplit("/", 1)[-1] not in component_links
                    if gone or ("operationId" in link and link["operationId"] not in served_ids):
                        del links[name]
                if not links:
                    del response["links"]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _reachable(document: dict[str, Any]) -> set[str]:
    """Every component reference reachable from the paths, directly or through others."""
    seen: set[str] = set()
    pending = list(_refs(document["paths"]))
    while pending:
        ref = pending.pop()
        if ref in seen or not ref.startswith(COMPONENT_REF):
            continue
        seen.add(ref)
        kind, _, name = ref[len(COMPONENT_REF) :].partition("/")
        target = document.get("components", {}).get(kind, {}).get(name)
        if target is not None:
            pending.extend(_refs(target))
    return seen
