"""The lenient appliance reads its own extra fields back as texts, as the emulator reads its
fields: a value of another JSON type is refused, so a type learn wrote holds for requests."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.lenient_appliance import AUDIT_EXTRA, RETENTION_EXTRA, serve_lenient

pytestmark = pytest.mark.integration

POLICY: dict[str, Any] = {
    "name": "lenient-reads",
    "frequency": "DAILY",
    "retention": {"type": "DAYS", "value": 7},
}


def _policy(unit: Any) -> dict[str, Any]:
    return {**POLICY, "retention": {**POLICY["retention"], RETENTION_EXTRA[0]: unit}}


def _policies(client: httpx.Client) -> dict[str, Any]:
    listed = client.get("/4.1/policies").json()["response"]["policyResponseList"]
    return {policy["name"]: policy for policy in listed}


def test_its_extra_fields_are_texts_in_requests_too() -> None:
    with serve_lenient() as appliance, httpx.Client(base_url=appliance.base_url) as client:
        login = {"username": appliance.username, "password": appliance.password}
        token = client.post("/4.1/auth/login", json=login).json()["response"]["token"]
        client.headers["Token"] = token
        wrongs: tuple[Any, ...] = (5, {}, [], True)
        for wrong in wrongs:
            refused = client.post("/4.1/policies", json=_policy(wrong))
            assert refused.status_code == 400, (wrong, refused.text)
            assert "retention.unit" in refused.json()["responseMessage"][0]
        assert POLICY["name"] not in _policies(client), "a refused policy was created"

        created = client.post("/4.1/policies", json=_policy("BACKUPS"))
        assert created.status_code == 200, created.text
        retention = _policies(client)[POLICY["name"]]["retention"]
        assert retention[RETENTION_EXTRA[0]] == RETENTION_EXTRA[1]

        audit = client.get("/4.1/audit/config").json()["response"]
        assert audit[AUDIT_EXTRA[0]] == AUDIT_EXTRA[1]
        audit.pop("uri", None)
        refused = client.put("/4.1/audit/config", json={**audit, AUDIT_EXTRA[0]: 3})
        assert refused.status_code == 400, refused.text
        assert "auditLevel" in refused.json()["responseMessage"][0]
