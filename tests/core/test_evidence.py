"""The contract without assumptions: each kind of assumption removed, evidence kept."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from openapi_spec_validator import validate

from conformance.contract.answers import AnswerJudge
from conformance.contract.evidence import relax_schema, without_assumptions
from conformance.contract.spec import load_contract

pytestmark = pytest.mark.unit

CONTRACT = load_contract()
RELAXED = without_assumptions(CONTRACT.document)
FULL_JUDGE = AnswerJudge(CONTRACT.document)
RELAXED_JUDGE = AnswerJudge(RELAXED)


def _synthetic(schema: dict[str, Any], responses: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "get": {
                    "operationId": "getThings",
                    "x-evidence": "doc",
                    "responses": responses
                    or {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {"Thing": schema},
            "responses": {
                "NotFound": {"description": "no", "x-evidence": "assumption"},
            },
        },
    }


def _body_ok(document: dict[str, Any], body: Any, path: str = "/things") -> bool:
    judge = AnswerJudge(document)
    documented = judge.documented(path, "get", 200)
    assert documented is not None
    return judge.body_problem(documented, "application/json", body) is None


def test_an_assumed_schema_loses_every_value_constraint_but_keeps_its_properties() -> None:
    thing = {
        "type": "object",
        "x-evidence": "assumption",
        "additionalProperties": False,
        "required": ["a"],
        "properties": {"a": {"type": "integer", "maximum": 3}, "b": {"$ref": "#/x"}},
    }
    relaxed = relax_schema(thing, None)
    assert relaxed == {
        "x-evidence": "assumption",
        "properties": {"a": {}, "b": {"$ref": "#/x"}},
    }
    assert thing["required"] == ["a"], "the original is left alone"


def test_items_inherit_the_assumption_of_their_array() -> None:
    listed = {"x-evidence": "assumption", "type": "array", "items": {"type": "string"}}
    assert relax_schema(listed, None) == {"x-evidence": "assumption", "items": {}}


def test_a_property_with_its_own_evidence_keeps_its_constraints_inside_an_assumed_schema() -> None:
    thing = {
        "x-evidence": "assumption",
        "type": "object",
        "properties": {"id": {"type": "integer", "x-evidence": "doc"}, "n": {"type": "string"}},
    }
    relaxed = relax_schema(thing, None)
    assert relaxed["properties"]["id"]["type"] == "integer"
    assert relaxed["properties"]["n"] == {}


def test_only_the_keywords_x_assumptions_names_go_and_only_the_named_required_values() -> None:
    thing = {
        "x-evidence": "client",
        "x-assumptions": [
            {"keyword": "required", "values": ["retention"], "text": "."},
            {"keyword": "additionalProperties", "text": "."},
        ],
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "retention"],
        "properties": {"id": {"type": "integer", "minimum": 1}, "retention": {}},
    }
    document = _synthetic(thing)
    relaxed = without_assumptions(document)
    schema = relaxed["components"]["schemas"]["Thing"]
    assert schema["required"] == ["id"]
    assert "additionalProperties" not in schema
    assert schema["properties"]["id"] == {"type": "integer", "minimum": 1}
    extra = {"id": 1, "extra": True}
    assert not _body_ok(document, extra) and _body_ok(relaxed, extra)
    assert not _body_ok(relaxed, {"retention": 3}), "id is evidenced: still required"
    assert not _body_ok(relaxed, {"id": 0}), "the minimum is evidenced here"


def test_required_loses_the_keyword_when_every_value_is_assumed() -> None:
    thing = {
        "x-evidence": "doc",
        "x-assumptions": [{"keyword": "required", "values": ["a"], "text": "."}],
        "required": ["a"],
    }
    assert "required" not in relax_schema(thing, None)


def test_an_assumed_status_is_widened_to_its_class_with_an_open_body() -> None:
    responses = {
        "200": {"description": "ok"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "409": {"description": "taken", "x-evidence": "assumption"},
        "500": {"description": "broken", "x-evidence": "doc"},
    }
    relaxed = without_assumptions(_synthetic({"x-evidence": "doc"}, responses))
    kept = relaxed["paths"]["/things"]["get"]["responses"]
    assert sorted(kept) == ["200", "4XX", "500"]
    assert "content" not in kept["4XX"]
    judge = AnswerJudge(relaxed)
    assert judge.status_problem("/things", "get", 422) is None
    assert judge.status_problem("/things", "get", 201) is not None
    assert judge.status_problem("/things", "get", 503) is not None


def test_responses_of_an_assumed_operation_are_assumed_unless_they_say_otherwise() -> None:
    document = _synthetic({"x-evidence": "doc"})
    document["paths"]["/things"]["get"]["x-evidence"] = "assumption"
    relaxed = without_assumptions(document)
    assert list(relaxed["paths"]["/things"]["get"]["responses"]) == ["2XX"]


def test_an_assumed_query_parameter_is_no_longer_required() -> None:
    document = _synthetic({"x-evidence": "doc"})
    document["paths"]["/things"]["get"]["parameters"] = [
        {
            "name": "kind",
            "in": "query",
            "required": True,
            "x-evidence": "assumption",
            "schema": {"type": "string", "enum": ["a"]},
        }
    ]
    relaxed = without_assumptions(document)
    parameter = relaxed["paths"]["/things"]["get"]["parameters"][0]
    assert parameter["required"] is False and parameter["schema"] == {}


# --- the real contract


def test_the_relaxed_contract_is_still_valid_openapi_and_the_original_is_untouched() -> None:
    before = copy.deepcopy(CONTRACT.document)
    relaxed = without_assumptions(CONTRACT.document)
    validate(relaxed)
    assert CONTRACT.document == before


def _answer(path: str, method: str, status: int, body: Any) -> tuple[bool, bool]:
    """(full contract accepts, relaxed contract accepts) the JSON answer."""
    verdicts = []
    for judge in (FULL_JUDGE, RELAXED_JUDGE):
        documented = judge.documented(path, method, status)
        verdicts.append(
            documented is not None
            and judge.body_problem(documented, "application/json", body) is None
        )
    return verdicts[0], verdicts[1]


def _envelope(response: Any) -> dict[str, Any]:
    return {"statusCode": 200, "statusMessage": "OK", "responseMessage": "ok", "response": response}


POLICY = {
    "id": 1,
    "name": "Daily-7",
    "frequency": "DAILY",
    "retention": {"type": "COUNT", "value": 7},
}


def test_a_valid_answer_is_valid_in_both() -> None:
    assert _answer("/4.1/policies", "get", 200, _envelope({"policyResponseList": [POLICY]})) == (
        True,
        True,
    )


@pytest.mark.parametrize(
    ("label", "policy"),
    [
        (
            "an extra field in the closed retention",
            {"retention": {"type": "COUNT", "value": 7, "x": 1}},
        ),
        ("no retention (required by assumption)", {"retention": None}),
        ("a retention kind outside the assumed enum", {"retention": {"type": "WEEKS", "value": 2}}),
    ],
)
def test_assumption_only_violations_pass_the_relaxed_contract(
    label: str, policy: dict[str, Any]
) -> None:
    changed = {**POLICY, **policy}
    changed = {k: v for k, v in changed.items() if v is not None}
    body = _envelope({"policyResponseList": [changed]})
    assert _answer("/4.1/policies", "get", 200, body) == (False, True), label


@pytest.mark.parametrize(
    ("label", "policy"),
    [
        ("no id (the client reads it)", {"id": None}),
        ("a name that is a number", {"name": 7}),
    ],
)
def test_evidenced_violations_fail_the_relaxed_contract_too(
    label: str, policy: dict[str, Any]
) -> None:
    changed = {k: v for k, v in {**POLICY, **policy}.items() if v is not None}
    body = _envelope({"policyResponseList": [changed]})
    assert _answer("/4.1/policies", "get", 200, body) == (False, False), label


def test_the_audit_configuration_with_an_extra_field_is_a_deviation() -> None:
    config = {"retentionDays": 30, "maxFileSizeInMB": 10, "syslog": {"enabled": False}}
    assert _answer("/4.1/audit/config", "get", 200, _envelope(config)) == (True, True)
    config["auditLevel"] = "FULL"
    assert _answer("/4.1/audit/config", "get", 200, _envelope(config)) == (False, True)


def test_the_envelope_keys_are_assumed_required_but_uri_is_documented_null() -> None:
    body = {"response": {"policyResponseList": [POLICY]}}
    assert _answer("/4.1/policies", "get", 200, body) == (False, True)
    with_uri = {**_envelope({"policyResponseList": [POLICY]}), "uri": "/api/4.1/policies"}
    assert _answer("/4.1/policies", "get", 200, with_uri) == (False, False)


def test_a_third_time_format_is_a_deviation_an_iso_or_us_time_is_fine() -> None:
    job = {"id": 5, "jobType": "backup", "status": "RUNNING", "progress": 3}
    for time, expected in (
        ("2026-11-27T10:01:12Z", (True, True)),
        ("11/27/2026 03:15:02 AM", (True, True)),
        ("1764237672000", (False, True)),
    ):
        body = _envelope({**job, "startTime": time})
        assert _answer("/4.1/jobs/{id}", "get", 200, body) == expected, time


def test_an_assumed_error_status_is_accepted_by_class_a_documented_success_is_not() -> None:
    assert (
        FULL_JUDGE.status_problem("/4.1/resource-groups/{resourceGroupId}", "put", 422) is not None
    )
    assert (
        RELAXED_JUDGE.status_problem("/4.1/resource-groups/{resourceGroupId}", "put", 422) is None
    )
    assert RELAXED_JUDGE.status_problem("/4.1/policies", "get", 204) is not None


def test_an_unknown_field_in_a_closed_request_is_only_refused_by_assumption() -> None:
    body = {"resourceGroupId": 1, "policyId": 1, "extra": True}
    path, method = "/4.1/resource-groups/backupnow", "post"
    assert FULL_JUDGE.request_problem(path, method, body=body, has_body=True) is not None
    assert RELAXED_JUDGE.request_problem(path, method, body=body, has_body=True) is None
    no_group = {"policyId": 1}
    assert RELAXED_JUDGE.request_problem(path, method, body=no_group, has_body=True) is not None


def test_an_assumed_path_pattern_is_gone_an_evidenced_type_stays() -> None:
    path, method = "/4.1/datastores/{moref}/backups", "get"
    sent = {"path": {"moref": "nfs_ds01"}}
    assert FULL_JUDGE.request_problem(path, method, parameters=sent) is not None
    assert RELAXED_JUDGE.request_problem(path, method, parameters=sent) is None
