"""Runtime expressions and criteria, evaluated without any server."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from conformance.scenarios.arazzo import criteria, expressions
from conformance.scenarios.arazzo.expressions import Message, Scope
from conformance.scenarios.arazzo.failures import ExpressionError, UnresolvedExpression

pytestmark = pytest.mark.unit

BODY = {
    "statusCode": 200,
    "response": {
        "jobResponseList": [
            {"id": 42, "jobType": "backup", "status": "COMPLETED", "name": "a/b~c"},
            {"id": 41, "jobType": "restore", "status": "FAILED"},
        ],
        "a/b": {"c~d": 7},
    },
}


@pytest.fixture
def scope() -> Scope:
    message = Message(
        method="GET",
        url="https://scv.lab:8144/api/4.1/jobs?jobType=backup",
        status_code=200,
        request_headers={"Token": "t", "Accept": "application/json"},
        request_query={"jobType": "backup"},
        request_path={"id": 42},
        request_body={"jobIds": [42]},
        response_headers={"Content-Type": "application/json", "Retry-After": "3"},
        response_body=BODY,
    )
    return Scope(
        inputs={"vm": "vm-101", "count": 3, "group": {"name": "RG-X"}},
        steps={"backupNow": {"jobId": 42, "job": {"id": 42, "status": "RUNNING"}}},
        outputs={"done": True},
        sources={"scv": "../specs/scv.openapi.yaml"},
        message=message,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$url", "https://scv.lab:8144/api/4.1/jobs?jobType=backup"),
        ("$method", "GET"),
        ("$statusCode", 200),
        ("$request.header.accept", "application/json"),
        ("$request.query.jobType", "backup"),
        ("$request.path.id", 42),
        ("$request.body#/jobIds/0", 42),
        ("$request.body", {"jobIds": [42]}),
        ("$response.header.retry-after", "3"),
        ("$response.body#/response/jobResponseList/1/status", "FAILED"),
        ("$response.body#/response/a~1b/c~0d", 7),
        ("$inputs.vm", "vm-101"),
        ("$inputs.count", 3),
        ("$inputs.group#/name", "RG-X"),
        ("$steps.backupNow.outputs.jobId", 42),
        ("$steps.backupNow.outputs.job#/status", "RUNNING"),
        ("$outputs.done", True),
        ("$sourceDescriptions.scv.url", "../specs/scv.openapi.yaml"),
    ],
)
def test_expressions_keep_their_type(scope: Scope, text: str, expected: Any) -> None:
    assert expressions.evaluate(text, scope) == expected


@pytest.mark.parametrize(
    "text",
    [
        "$statuscode",
        "$respons.body#/x",
        "$input.vm",
        "$steps.x",
        "$steps.x.output.y",
        "$request.cookie.x",
        "url",
        "$response.body#nope",
    ],
)
def test_malformed_expressions_do_not_parse(text: str) -> None:
    with pytest.raises(ExpressionError):
        expressions.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "$inputs.missing",
        "$steps.notRun.outputs.x",
        "$response.body#/response/nothing",
        "$response.body#/response/jobResponseList/9",
        "$response.header.x-absent",
    ],
)
def test_expressions_pointing_at_nothing_are_unresolved(scope: Scope, text: str) -> None:
    with pytest.raises(UnresolvedExpression):
        expressions.evaluate(text, scope)


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a": 1}', b'{"a": 1}'])
def test_a_pointer_into_a_text_body_is_unresolved_and_never_parses_it(
    scope: Scope, body: str | bytes
) -> None:
    # a JSON body too deep for the harness to parse reaches a workflow as its text; a
    # JSON pointer into it once parsed the text and ended in a RecursionError
    scope.message = dataclasses.replace(scope.message, response_body=body)
    with pytest.raises(UnresolvedExpression, match="of a text body"):
        expressions.evaluate("$response.body#/a", scope)


def test_embedded_expressions_and_payloads(scope: Scope) -> None:
    payload = {
        "name": "Backup of {$inputs.vm} job {$steps.backupNow.outputs.jobId}",
        "entities": ["$inputs.vm"],
        "count": "$inputs.count",
        "literal": "0 0 3 * * ?",
    }
    assert expressions.resolve_value(payload, scope) == {
        "name": "Backup of vm-101 job 42",
        "entities": ["vm-101"],
        "count": 3,
        "literal": "0 0 3 * * ?",
    }
    assert expressions.render_embedded("{$inputs.vm}", scope, quote="json") == '"vm-101"'
    assert expressions.render_embedded("a{$inputs.vm}", scope, quote="regex") == r"avm\-101"
    assert sorted(expressions.expressions_in(payload)) == [
        "$inputs.count",
        "$inputs.vm",
        "$inputs.vm",
        "$steps.backupNow.outputs.jobId",
    ]


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ("$statusCode == 200", True),
        ("$statusCode != 200", False),
        (
            "$statusCode == 200 && "
            "$response.body#/response/jobResponseList/0/status == 'completed'",
            True,
        ),
        ("$statusCode == 404 || $statusCode == 200", True),
        ("!($statusCode == 200)", False),
        (
            "$inputs.count > 2 && $inputs.count <= 3 && $inputs.count >= 3 && $inputs.count < 4",
            True,
        ),
        ("$statusCode == '200'", True),
        ("$response.body#/response/nothing == null", True),
        ("$response.body#/response/nothing != null", False),
        ("$response.body#/response/jobResponseList/0/id == $steps.backupNow.outputs.jobId", True),
        ("'it''s' == 'IT''S'", True),
        ("$outputs.done", True),
        ("true && !false", True),
        ("1.5 < 2", True),
        ("'2026-11-27T10:00:00Z' >= '2026-11-27T09:59:59Z'", True),
    ],
)
def test_simple_conditions(scope: Scope, condition: str, holds: bool) -> None:
    assert criteria.evaluate_simple(condition, scope) is holds


@pytest.mark.parametrize(
    "condition",
    [
        "$statusCode === 200",
        "$statusCode == ",
        "($statusCode == 200",
        "a == b",
        "$statusCode == 200 200",
    ],
)
def test_malformed_conditions(condition: str) -> None:
    with pytest.raises(ExpressionError):
        criteria.check_simple(condition)


@pytest.mark.parametrize(
    ("criterion", "holds"),
    [
        ({"context": "$statusCode", "type": "regex", "condition": "^200$"}, True),
        (
            {"context": "$response.body", "type": "regex", "condition": '"status":"COMPLETED"'},
            False,
        ),
        ({"context": "$response.header.Content-Type", "type": "regex", "condition": "json"}, True),
        (
            {
                "context": "$response.body",
                "type": "jsonpath",
                "condition": "$..jobResponseList[?@.id == 42 && @.status == 'COMPLETED']",
            },
            True,
        ),
        (
            {
                "context": "$response.body",
                "type": "jsonpath",
                "condition": ("$..jobResponseList[?@.id == {$steps.backupNow.outputs.jobId}]"),
            },
            True,
        ),
        (
            {
                "context": "$response.body",
                "type": "jsonpath",
                "condition": "$[?count(@.response.jobResponseList[?@.jobType != 'backup']) == 0]",
            },
            False,
        ),
        (
            {
                "context": "$response.body",
                "type": "jsonpath",
                "condition": "$..jobResponseList[?match(@.jobType, 'rest.*')]",
            },
            True,
        ),
        (
            {
                "context": "$response.body",
                "type": {"type": "jsonpath", "version": "draft-goessner-dispatch-jsonpath-00"},
                "condition": "$[0].response.jobResponseList[0]",
            },
            True,
        ),
        ({"condition": "$statusCode == 200"}, True),
        ({"context": "$response.body#/absent", "type": "jsonpath", "condition": "$[*]"}, False),
        # The context is the only element of the queried array (Arazzo 1.0.1's example):
        (
            {"context": "$response.body", "type": "jsonpath", "condition": "$.response"},
            False,
        ),
        (
            {
                "context": "$response.body",
                "type": "jsonpath",
                "condition": "$[?count(@.response.jobResponseList) > 0]",
            },
            True,
        ),
    ],
)
def test_criteria(scope: Scope, criterion: dict[str, Any], holds: bool) -> None:
    criteria.check_criterion(criterion)
    assert criteria.evaluate_criterion(criterion, scope) is holds


def test_regex_on_binary_content(scope: Scope) -> None:
    assert scope.message is not None
    scope.message.response_body = b"PK\x03\x04rest"
    assert criteria.evaluate_criterion(
        {"context": "$response.body", "type": "regex", "condition": "^PK"}, scope
    )


@pytest.mark.parametrize(
    "criterion",
    [
        {"type": "regex", "condition": "^200$"},
        {"context": "$statusCode", "type": "regex", "condition": "(unclosed"},
        {"context": "$response.body", "type": "jsonpath", "condition": "$.a[?@.b =~ 'x']"},
        {"context": "$response.body", "type": "xpath", "condition": "/a"},
    ],
)
def test_unusable_criteria_are_refused(criterion: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError):
        criteria.check_criterion(criterion)
