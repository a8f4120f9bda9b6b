"""Request validation from the contract's schemas; forbidden URL characters; no 500s."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import Api, error

pytestmark = pytest.mark.unit

GOOD_POLICY = {"name": "P1", "frequency": "DAILY", "retention": {"type": "DAYS", "value": 3}}


def test_invalid_body_value_names_the_field(api: Api) -> None:
    body = {**GOOD_POLICY, "retention": {"type": "DAYS", "value": 0}}
    message = error(api.post("/4.1/policies", json=body), 400)
    assert message == "Invalid value for field 'retention.value': 0 is less than the minimum of 1"


def test_missing_and_unknown_fields_are_named(api: Api) -> None:
    body = {k: v for k, v in GOOD_POLICY.items() if k != "frequency"}
    assert "'frequency'" in error(api.post("/4.1/policies", json=body), 400)
    assert "colour" in error(api.post("/4.1/policies", json={**GOOD_POLICY, "colour": 1}), 400)
    group = {"name": "G", "entities": ["vm-101"], "policies": [{"id": 1, "frequency": {}}]}
    assert "policies[0].frequency.type" in error(api.post("/4.1/resource-groups", json=group), 400)


def test_wrong_types_and_patterns_are_refused(api: Api) -> None:
    body = {**GOOD_POLICY, "name": " padded "}
    assert "'name'" in error(api.post("/4.1/policies", json=body), 400)
    group = {"name": "G", "entities": [""], "policies": [{"id": 1}]}
    assert "entities[0]" in error(api.post("/4.1/resource-groups", json=group), 400)
    # any id may name a folder or a tag: one vCenter does not know is 404, not 400
    group = {"name": "G", "entities": ["host-11"], "policies": [{"id": 1}]}
    assert "host-11" in error(api.post("/4.1/resource-groups", json=group), 404)
    assert "Invalid request body" in error(api.post("/4.1/policies", json=[1, 2]), 400)


def test_malformed_json_and_missing_body_are_400(api: Api) -> None:
    answer = api.post(
        "/4.1/policies", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert "Malformed JSON" in error(answer, 400)
    assert "body is missing" in error(api.post("/4.1/policies"), 400)


def test_path_and_query_parameters_are_validated(api: Api) -> None:
    assert "policyId" in error(api.put("/4.1/policies/abc", json=GOOD_POLICY), 400)
    assert "policyId" in error(api.delete("/4.1/policies/0"), 400)
    assert "moref" in error(api.get("/4.1/vm/datastore-201/backups"), 400)
    assert "jobType" in error(api.get("/4.1/jobs", params={"jobType": "nope"}), 400)
    assert "filename" in error(api.get("/4.1/audit/logs/a_b_c_" + "x" * 200), 400)


@pytest.mark.parametrize(
    ("raw", "char"),
    [
        ("/api/4.1/vm/vm-101./backups", "."),
        ("/api/4.1/vm/vm+101/backups", "+"),
        ("/api/4.1/vm/vm-101&x/backups", "&"),
        ("/api/4.1/vm/vm%2D101/backups", "%"),
        ("/api/4.1/policies%2E", "%"),
        ("/api/4.1/audit/logs/audit+1.log", "+"),
        ("/api/4.1/audit/logs/audit%2Elog", "%"),
        ("/api/4.1/audit./logs/audit.log", "."),
        ("/api/4.1/jobs/1.2", "."),
    ],
)
def test_forbidden_characters_in_the_url_are_refused(api: Api, raw: str, char: str) -> None:
    answer = api.raw("GET", raw, headers={"Token": api.token})
    assert f"'{char}'" in error(answer, 400)


def test_the_version_segment_and_query_strings_may_hold_dots(api: Api) -> None:
    api.ok(api.get("/4.1/jobs", params={"jobType": "backup", "x": "a.b"}))


def test_audit_file_names_may_hold_dots_as_the_documentation_names_them(api: Api) -> None:
    """The one exemption from the URL rule the contract marks (x-scv-allowed-characters)."""
    assert api.ok(api.get("/4.1/audit/logs/audit.log"))["fileName"] == "audit.log"
    rolled = api.ok(api.get("/4.1/audit/logs"))["auditLogList"][0]["fileName"]
    assert rolled.endswith(".log.gz")
    assert api.ok(api.get(f"/4.1/audit/logs/{rolled}"))["fileName"] == rolled
    assert "audit-1999.log.gz" in error(api.get("/4.1/audit/logs/audit-1999.log.gz"), 404)


def test_uri_is_null_on_every_answer(api: Api) -> None:
    answers = [
        api.get("/4.1/policies"),
        api.get("/4.1/nothing"),
        api.raw("GET", "/api/4.1/policies"),
        api.post("/4.1/policies", json={}),
        api.call("PATCH", "/4.1/jobs"),
        api.raw("POST", "/api/4.1/auth/login", json={"username": "x", "password": "y"}),
    ]
    for answer in answers:
        assert answer.json()["uri"] is None


@pytest.mark.parametrize(
    "body",
    [None, 0, "x", [], {"name": None}, {"name": "x" * 300}, {"retention": "DAYS"}, {"": {}}],
)
def test_odd_bodies_never_cause_a_server_error(api: Api, body: object) -> None:
    for method, path in (
        ("POST", "/4.1/policies"),
        ("PUT", "/4.1/resource-groups/1"),
        ("POST", "/4.1/vm/vm-101/backups/4/restore"),
        ("PUT", "/4.1/jobs/1/failJobs"),
        ("PUT", "/4.1/audit/syslogcert"),
    ):
        answer = api.call(method, path, json=body)
        assert answer.status_code in (200, 400, 404), (path, body, answer.text)
