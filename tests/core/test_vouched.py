"""What the evidence vouches an appliance accepts, and positive_data_acceptance graded by it."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from conformance.contract.answers import AnswerJudge
from conformance.contract.grading import POSITIVE_DATA, Answered, Grader, Sent
from conformance.contract.spec import Contract, load_contract
from conformance.contract.vouched import vouched

pytestmark = pytest.mark.unit


def _document(body: dict[str, Any], query: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": "createThing",
        "x-evidence": "doc",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
        },
        "responses": {"200": {"description": "ok"}},
    }
    if query is not None:
        operation["parameters"] = [query]
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things": {"post": operation}},
        "components": {"schemas": {"Thing": body}},
    }


THING = {
    "type": "object",
    "x-evidence": "doc",
    "x-assumptions": [{"keyword": "additionalProperties"}],
    "additionalProperties": False,
    "properties": {
        "name": {
            "type": "string",
            "maxLength": 64,
            "x-assumptions": [{"keyword": "maxLength", "text": "64 is our guess"}],
        },
        "kind": {
            "type": "string",
            "enum": ["a", "b", "guessed"],
            "x-assumptions": [{"keyword": "enum", "values": ["guessed"]}],
        },
        "size": {"type": "integer", "minimum": 1},
        "note": {"x-evidence": "assumption", "type": "string"},
        "pick": {"anyOf": [{"type": "integer"}, {"x-evidence": "assumption", "type": "string"}]},
    },
}


def _valid(document: dict[str, Any], body: Any, query: dict[str, str] | None = None) -> bool:
    problem = AnswerJudge(document).request_problem(
        "/things", "post", body=body, has_body=True, parameters={"query": query or {}}
    )
    return problem is None


@pytest.mark.parametrize(
    ("body", "vouched_for"),
    [
        ({"size": 3}, True),  # only documented constraints judged it
        ({"kind": "a", "size": 1}, True),  # a documented enum value
        ({"pick": 4}, True),  # the documented branch takes it
        ({"name": "x"}, False),  # its length is judged by our maxLength only
        ({"kind": "guessed"}, False),  # an enum value no page names
        ({"note": "hi"}, False),  # a field whose whole schema is our guess
        ({"pick": "four"}, False),  # only the assumed branch takes it
    ],
)
def test_only_values_judged_by_evidence_alone_are_vouched_for(
    body: dict[str, Any], vouched_for: bool
) -> None:
    document = _document(THING)
    assert _valid(document, body), "valid under the contract as written"
    assert _valid(vouched(document), body) is vouched_for


def test_constraints_that_only_refuse_vouch_for_nothing_and_take_nothing_away() -> None:
    document = _document(THING)
    promised = vouched(document)
    assert not _valid(promised, {"size": 3, "extra": 1}), "closed stays closed"
    assert not _valid(promised, {"size": 0}), "a documented minimum still refuses"
    assert not _valid(promised, {"kind": "c"}), "an enum value never listed stays refused"
    assumed_required = {**THING, "required": ["size"], "x-assumptions": [{"keyword": "required"}]}
    required = _document(assumed_required)
    assert _valid(vouched(required), {"size": 3}), "what an assumed required asks for is fine"


def test_an_assumed_parameter_vouches_for_none_of_its_values() -> None:
    query = {"name": "q", "in": "query", "x-evidence": "assumption", "schema": {"type": "string"}}
    document = _document(THING, query)
    assert _valid(document, {"size": 3}, {"q": "x"})
    assert not _valid(vouched(document), {"size": 3}, {"q": "x"})
    assert _valid(vouched(document), {"size": 3}), "not sending it rests on nothing"


def _grader(document: dict[str, Any]) -> Grader:
    return Grader(Contract(None, document, "", (), ()))  # type: ignore[arg-type]


REFUSED = Answered(400, "application/json", '{"statusCode": 400}')


def test_a_refused_request_is_a_deviation_only_when_it_rests_on_an_assumption() -> None:
    grader = _grader(_document(THING))

    def graded(body: dict[str, Any]) -> bool:
        return grader.is_deviation(POSITIVE_DATA, Sent("/things", "post", body, True), REFUSED)

    assert not graded({"size": 3}), "the evidence promised it: a failure"
    assert graded({"name": "x" * 60}), "our length bound promised it: a deviation"
    assert graded({"kind": "guessed"})
    assert not graded({"size": 0}), "invalid data refused is no positive_data case"


def test_the_contract_grades_refused_requests_by_their_evidence() -> None:
    grader = Grader(load_contract())
    policy = (
        load_contract()
        .operation("createPolicy")
        .definition["requestBody"]["content"]["application/json"]["example"]
    )
    assert grader.is_deviation(
        POSITIVE_DATA, Sent("/4.1/policies", "post", policy, True), REFUSED
    ), "the policy body's shape is assumed"
    assert not grader.is_deviation(POSITIVE_DATA, Sent("/4.1/policies", "get"), REFUSED), (
        "a plain list call rests on nothing of ours"
    )


def test_another_4xx_than_an_assumed_401_deviates_a_documented_one_fails() -> None:
    contract = load_contract()
    sent = Sent("/4.1/storage-system", "get")
    grader = Grader(contract)
    assert grader.auth_refusal_deviates(sent, 403), "every 401 of the contract is assumed"
    assert not grader.auth_refusal_deviates(sent, 200), "not refused: a failure"
    assert not grader.auth_refusal_deviates(sent, 500)
    assert not grader.auth_refusal_deviates(sent, None)
    document = copy.deepcopy(contract.document)
    document["components"]["responses"]["Unauthorized"]["x-evidence"] = "doc"
    documented = Grader(dataclasses.replace(contract, document=document))
    assert not documented.auth_refusal_deviates(sent, 403), "a documented 401: a failure"
