"""--release-variant next: a later release that differs by exactly its listed changes."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from conformance.contract.spec import LATEST_RELEASE, load_contract
from conformance.emulator import EmulatorConfig, ManualClock, cli, create_app
from conformance.emulator.config import UsageError
from conformance.emulator.releases import (
    NEXT,
    VARIANTS,
    ChangedStatus,
    NewOperation,
    RenamedField,
    SlowerOperation,
)
from tests.emulator.conftest import Api, error
from tests.emulator.test_description import operations
from tests.emulator.test_routing import concrete

pytestmark = pytest.mark.unit

RENAMED = NEXT.of_kind(RenamedField)[0]
CHANGED = NEXT.of_kind(ChangedStatus)[0]
SLOWER = NEXT.of_kind(SlowerOperation)[0]
NEW = NEXT.of_kind(NewOperation)[0]


@pytest.fixture
def pair(make_api: Callable[..., Api]) -> tuple[Api, Api]:
    """The played release and its variant, on one clock and one seed."""
    return make_api(), make_api(release_variant="next")


def description(api: Api) -> dict[str, Any]:
    document: dict[str, Any] = api.raw("GET", "/api/v3/api-docs").json()
    return document


def test_the_variant_is_data_with_one_change_of_each_kind() -> None:
    assert VARIANTS == {"next": NEXT}
    assert NEXT.follows == LATEST_RELEASE and NEXT.version == "6.3"
    assert sorted(c.kind for c in NEXT.changes) == sorted(
        ["renamed-field", "changed-status", "slower-operation", "new-operation"]
    )
    known = set(load_contract().operation_ids())
    assert {RENAMED.operation_id, CHANGED.operation_id, SLOWER.operation_id} <= known
    assert NEW.operation_id not in known
    assert all(change.summary.startswith(change.operation_id) for change in NEXT.changes)


def test_the_description_differs_by_exactly_the_changes(pair: tuple[Api, Api]) -> None:
    before, after = (description(api) for api in pair)
    validate(after)
    assert (before["info"]["version"], after["info"]["version"]) == (LATEST_RELEASE, "6.3")
    old_ops, new_ops = operations(before), operations(after)
    assert new_ops == {**old_ops, NEW.operation_id: (NEW.method, NEW.path)}
    changed_ops = {RENAMED.operation_id, CHANGED.operation_id}

    def op(document: dict[str, Any], operation_id: str) -> dict[str, Any]:
        method, path = operations(document)[operation_id]
        found: dict[str, Any] = document["paths"][path][method]
        return found

    for operation_id in old_ops.keys() - changed_ops:
        assert op(after, operation_id) == op(before, operation_id), operation_id
    # the changed status: the old one is gone from the answers the operation documents
    old_responses = op(before, CHANGED.operation_id)["responses"]
    new_responses = op(after, CHANGED.operation_id)["responses"]
    assert str(CHANGED.old) in old_responses and str(CHANGED.old) not in new_responses
    assert {k: v for k, v in old_responses.items() if k != str(CHANGED.old)} == new_responses
    # the renamed field: the getter's items have a schema of their own, the field renamed
    old_schemas, new_schemas = before["components"]["schemas"], after["components"]["schemas"]
    item = new_schemas[RENAMED.renamed_schema]
    assert RENAMED.new in item["properties"] and RENAMED.old not in item["properties"]
    original = old_schemas[RENAMED.schema]
    assert item["properties"][RENAMED.new] == original["properties"][RENAMED.old]
    assert new_schemas[RENAMED.schema] == original
    added = new_schemas.keys() - old_schemas.keys()
    assert added == {RENAMED.renamed_schema, "ApplianceInfo", "ApplianceInfoEnvelope"}
    differing = {n for n in old_schemas if old_schemas[n] != new_schemas[n]}
    assert differing == {"ScheduleListEnvelope"}


def test_the_getter_answers_the_renamed_field(pair: tuple[Api, Api]) -> None:
    before, after = pair
    old_items = before.ok(before.get("/4.1/schedules"))[RENAMED.list_field]
    new_items = after.ok(after.get("/4.1/schedules"))[RENAMED.list_field]
    assert [i[RENAMED.old] for i in old_items] == [i[RENAMED.new] for i in new_items]
    assert all(RENAMED.old not in item for item in new_items)
    # the answer matches the variant's own description of it
    document = description(after)
    method, path = operations(document)[RENAMED.operation_id]
    schema = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]
    validator = Draft202012Validator({**schema["schema"], "components": document["components"]})
    assert not list(validator.iter_errors(after.get("/4.1/schedules").json()))


def test_an_unknown_job_answers_the_changed_status(pair: tuple[Api, Api]) -> None:
    before, after = pair
    error(before.get("/4.1/jobs/999"), CHANGED.old)
    assert "Job with id 999 not found" in error(after.get("/4.1/jobs/999"), CHANGED.new)
    job = after.ok(
        after.post("/4.1/resource-groups/backupnow", json={"resourceGroupId": 1, "policyId": 1})
    )
    assert after.ok(after.get(f"/4.1/jobs/{job['jobId']}"))["id"] == job["jobId"]


def test_the_slower_operation_waits_and_no_other(clock: ManualClock) -> None:
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    api = Api(create_app(EmulatorConfig(release_variant="next"), clock, sleep=record), clock)
    try:
        api.ok(api.get("/4.1/schedules"))
        api.ok(api.get("/4.1/resource-groups"))
        assert waited == []
        api.ok(api.get("/4.1/policies"))
        assert waited == [SLOWER.extra_ms / 1000]
    finally:
        api.close()


def test_the_new_operation_is_served_with_a_token(pair: tuple[Api, Api]) -> None:
    before, after = pair
    answer = after.ok(after.get(NEW.path))
    assert answer == {"name": "SnapCenter Plug-in for VMware vSphere", "version": "6.3"}
    error(after.raw("GET", f"/api{NEW.path}"), 401)
    assert "No endpoint" in error(before.get(NEW.path), 404)
    assert error(after.post(NEW.path), 405)


def unchanged_reads() -> list[Any]:
    changed = {RENAMED.operation_id, CHANGED.operation_id}
    return [
        pytest.param(op, id=op.operation_id)
        for op in load_contract().operations
        if op.method == "get" and op.operation_id not in changed
    ]


@pytest.mark.parametrize("op", unchanged_reads())
def test_every_other_read_answers_as_before(pair: tuple[Api, Api], op: Any) -> None:
    before, after = pair
    for path in (concrete(op.path), concrete(op.path).replace("/1", "/99")):
        old, new = before.get(path), after.get(path)
        assert (new.status_code, new.content) == (old.status_code, old.content), path


def test_unknown_or_misplaced_variants_are_refused() -> None:
    with pytest.raises(UsageError, match="unknown release variant 'later'"):
        EmulatorConfig(release_variant="later").validate()
    with pytest.raises(UsageError, match=r"follows 6\.2; it cannot be played on 4\.5"):
        EmulatorConfig(release_variant="next", appliance_version="4.5").validate()


def test_the_command_line_plays_the_variant(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    config = cli.config_from(parser.parse_args(["--release-variant", "next"]))
    assert (config.variant, config.reported_version) == (NEXT, "6.3")
    assert cli.run(parser.parse_args(["--release-variant", "nope"])) == 2
    assert "unknown release variant" in capsys.readouterr().err


def test_the_embedded_emulator_reports_the_variant_version() -> None:
    async def probe() -> str:
        app = create_app(EmulatorConfig(release_variant="next"))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://scv.test") as http:
            return str((await http.get("/api/v3/api-docs")).json()["info"]["version"])

    assert asyncio.run(probe()) == "6.3"
