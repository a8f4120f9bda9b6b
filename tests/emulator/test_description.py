"""GET /api/v3/api-docs: a real OpenAPI description of exactly what the emulator serves."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate

from conformance.contract.spec import HTTP_METHODS, load_contract
from conformance.emulator.routing import compile_template
from tests.emulator.conftest import Api, error
from tests.emulator.test_routing import concrete

pytestmark = pytest.mark.unit

RELEASES = ["4.1", "4.5", "4.8", "6.2"]


def operations(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """operationId -> (method, path) of every operation a description lists."""
    return {
        op["operationId"]: (method, path)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    }


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from [value] if key == "$ref" else refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def resolve(document: dict[str, Any], ref: str) -> Any:
    target: Any = document
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return target


def keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from keys(value)


def served_description(api: Api) -> dict[str, Any]:
    answer = api.raw("GET", "/api/v3/api-docs")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    document: dict[str, Any] = answer.json()
    return document


@pytest.mark.parametrize("release", RELEASES)
def test_the_description_lists_the_operations_of_the_release(
    make_api: Callable[..., Api], release: str
) -> None:
    contract = load_contract()
    document = served_description(make_api(appliance_version=release))
    validate(document)
    assert document["openapi"] == contract.document["openapi"]
    assert document["info"]["version"] == release
    expected = {op.operation_id: (op.method, op.path) for op in contract.available(release)}
    assert operations(document) == expected


@pytest.mark.parametrize("release", RELEASES)
def test_the_description_holds_only_what_it_uses(
    make_api: Callable[..., Api], release: str
) -> None:
    document = served_description(make_api(appliance_version=release))
    used: set[str] = set()
    pending = list(refs(document["paths"]))
    while pending:
        ref = pending.pop()
        if ref not in used:
            used.add(ref)
            pending.extend(refs(resolve(document, ref)))
    declared = {
        f"#/components/{kind}/{name}"
        for kind, entries in document["components"].items()
        if kind != "securitySchemes"
        for name in entries
    }
    assert declared == used
    ids = set(operations(document))
    link_targets = {
        link["operationId"]
        for path_item in document["paths"].values()
        for op in path_item.values()
        if isinstance(op, dict)
        for response in op.get("responses", {}).values()
        for link in response.get("links", {}).values()
        if "operationId" in link
    }
    assert link_targets <= ids
    tags = {
        t
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
        for t in op.get("tags", [])
    }
    assert {tag["name"] for tag in document["tags"]} == tags
    assert not [key for key in keys(document) if key.startswith("x-")]


def test_an_old_release_drops_what_it_does_not_ship(make_api: Callable[..., Api]) -> None:
    document = served_description(make_api(appliance_version="4.1"))
    assert "getJob" not in operations(document)
    assert "GetStartedJob" not in document["components"].get("links", {})
    assert "AuditConfig" not in document["components"]["schemas"]
    assert "jobs" not in {tag["name"] for tag in document["tags"]}
    backup_now = document["paths"]["/4.1/resource-groups/backupnow"]["post"]
    assert "links" not in backup_now["responses"]["200"]


def unannotated(node: Any, in_properties: bool = False) -> Any:
    if isinstance(node, dict):
        return {
            k: unannotated(v, k == "properties")
            for k, v in node.items()
            if in_properties or not k.startswith("x-")
        }
    if isinstance(node, list):
        return [unannotated(v) for v in node]
    return node


def test_the_newest_release_is_the_contract_without_annotations(api: Api) -> None:
    document = served_description(api)
    contract = unannotated(json.loads(json.dumps(load_contract().document, default=str)))
    assert document["paths"] == contract["paths"]
    for kind, entries in document["components"].items():
        for name, entry in entries.items():
            assert entry == contract["components"][kind][name], name
    assert document["servers"] == contract["servers"]
    assert document["security"] == contract["security"]


@pytest.mark.parametrize("release", ["4.5", "6.2"])
def test_what_is_described_is_served_and_nothing_else(
    make_api: Callable[..., Api], release: str
) -> None:
    api = make_api(appliance_version=release)
    document = served_description(api)
    described = operations(document)
    served_paths = {path.removeprefix("/api") for path in document["paths"]}
    for op in load_contract().operations:
        answer = api.call(op.method.upper(), concrete(op.path), json={})
        if op.operation_id in described:
            assert "No endpoint" not in answer.text, op.operation_id
        elif op.path in served_paths:
            # the path serves other methods (PATCH /storage-system is newer than its GET)
            assert "is not supported" in error(answer, 405), op.operation_id
        elif any(compile_template(path).match(op.path) for path in served_paths):
            # a served template takes the literal as a parameter value (`/4.1/jobs/cleanup`
            # on a release before 4.7 is `/4.1/jobs/{id}`), as Spring MVC would match it
            # (400 naming the parameter), or a method it does not take (405)
            if answer.status_code == 405:
                assert "is not supported" in error(answer, 405), op.operation_id
            else:
                assert "Invalid value for path parameter" in error(answer, 400), op.operation_id
        else:
            assert "No endpoint" in error(answer, 404), op.operation_id
