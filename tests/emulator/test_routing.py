"""Routes come from the contract; every operation has exactly one handler; version gating."""

from __future__ import annotations

import re

import pytest

from conformance.contract.spec import load_contract
from conformance.emulator.handlers import HANDLERS
from tests.emulator.conftest import Api, error

pytestmark = pytest.mark.unit

SAMPLE_PARAMS = {
    "policyId": "1",
    "resourceGroupId": "1",
    "backupId": "4",
    "id": "1",
    "filename": "audit-20261125",
}


def concrete(path: str) -> str:
    """A contract path template with sample values in place of its parameters."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "moref":
            return "datastore-201" if path.startswith("/4.1/datastores") else "vm-101"
        return SAMPLE_PARAMS[name]

    return re.sub(r"\{([^}]+)\}", value, path)


def test_every_operation_has_a_handler_and_every_handler_an_operation() -> None:
    ids = set(load_contract().operation_ids())
    assert set(HANDLERS) - ids == set(), "handlers that name no operation"
    assert ids - set(HANDLERS) == set(), "operations without a handler"
    assert len(ids) == 55


@pytest.mark.parametrize("op", load_contract().operations, ids=lambda op: op.operation_id)
def test_every_operation_is_routed(api: Api, op) -> None:  # type: ignore[no-untyped-def]
    answer = api.call(op.method.upper(), concrete(op.path), json={})
    assert answer.status_code not in (404, 405) or "No endpoint" not in answer.text
    assert answer.status_code != 500
    assert answer.headers["content-type"] in ("application/json", "application/octet-stream")


def test_unknown_route_and_wrong_method_answer_envelopes(api: Api) -> None:
    message = error(api.get("/4.1/no-such-thing"), 404)
    assert "/api/4.1/no-such-thing" in message
    error(api.raw("GET", "/elsewhere"), 404)
    answer = api.call("PATCH", "/4.1/policies")
    assert "PATCH" in error(answer, 405)
    assert answer.json()["statusMessage"] == "METHOD_NOT_ALLOWED"
    assert answer.headers["allow"] == "GET, POST"
    assert api.call("TRACE", "/4.1/jobs/1").headers["allow"] == "GET"


def test_literal_segment_is_never_read_as_a_parameter(api: Api) -> None:
    api.ok(api.post("/4.1/resource-groups/backupnow", json={"resourceGroupId": 2, "policyId": 2}))
    answer = api.put("/4.1/resource-groups/backupnow", json={})
    error(answer, 405)
    assert answer.headers["allow"] == "POST"
    error(api.put("/4.1/resource-groups/x1", json={}), 400)


def test_paths_no_pattern_matches_still_get_the_envelope(api: Api) -> None:
    error(api.get("/4.1/vm/vm%0A101/backups"), 400)


def test_operations_newer_than_the_appliance_are_not_served(make_api) -> None:  # type: ignore[no-untyped-def]
    old = make_api(appliance_version="4.5")
    error(old.get("/4.1/audit/logs"), 404)
    error(old.get("/4.1/audit/config"), 404)
    old.ok(old.get("/4.1/jobs"))
    oldest = make_api(appliance_version="4.1")
    error(oldest.get("/4.1/jobs"), 404)
    oldest.ok(oldest.get("/4.1/policies"))
    between = make_api(appliance_version="4.8")
    between.ok(between.get("/4.1/audit/logs"))
    error(between.get("/4.1/audit/config"), 404)
