"""Request limits: oversized bodies get 413, deeply nested JSON 400, always in the envelope."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import pytest

from conformance.emulator.limits import DEFAULT_MAX_BODY_BYTES, MAX_JSON_DEPTH, depth
from tests.emulator.conftest import Api, error

pytestmark = pytest.mark.unit

POLICY = {"name": "P1", "frequency": "DAILY", "retention": {"type": "DAYS", "value": 3}}


def padded_policy(size: int) -> bytes:
    """A valid policy body of exactly ``size`` bytes (padding in a description)."""
    body = json.dumps({**POLICY, "description": ""}).encode()
    return json.dumps({**POLICY, "description": "x" * (size - len(body))}).encode()


def nested(levels: int) -> bytes:
    """A policy whose name is an array nested ``levels`` deep inside the body."""
    rest = json.dumps({k: v for k, v in POLICY.items() if k != "name"}).encode()
    return b'{"name": ' + b"[" * (levels - 1) + b"]" * (levels - 1) + b", " + rest[1:]


def test_a_body_over_the_default_limit_is_413(api: Api) -> None:
    answer = api.post("/4.1/policies", content=padded_policy(DEFAULT_MAX_BODY_BYTES + 1))
    assert f"larger than {DEFAULT_MAX_BODY_BYTES} bytes" in error(answer, 413)
    assert answer.json()["statusMessage"] == "PAYLOAD_TOO_LARGE"
    # the limit is the limit: a body of exactly that size is read and judged on its content
    answer = api.post("/4.1/policies", content=padded_policy(DEFAULT_MAX_BODY_BYTES))
    assert answer.status_code != 413


def test_the_limit_is_configurable_and_applies_to_every_path(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(max_body_bytes=200)
    assert api.ok(api.post("/4.1/policies", content=padded_policy(200)))["name"] == "P1"
    error(api.post("/4.1/policies", content=padded_policy(201)), 413)
    # refused before the token is looked at, and where no body is expected at all
    error(api.raw("POST", "/api/4.1/policies", content=b"x" * 201), 413)
    error(api.get("/4.1/jobs", content=b"x" * 201), 413)
    error(api.raw("POST", "/api/session", content=b"x" * 201), 413)


def test_a_streamed_body_without_length_is_cut_at_the_limit(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(max_body_bytes=1000)
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(100):
            sent.append(100)
            yield b"x" * 100
        yield b'"}'

    answer = api.post("/4.1/policies", content=chunks())
    assert "content-length" not in answer.request.headers
    error(answer, 413)
    assert sum(sent) < 2000, "the emulator read on past the limit"
    assert api.state.policies.keys() == {1, 2, 3}


def test_deep_nesting_is_400_not_500(api: Api) -> None:
    message = error(api.post("/4.1/policies", content=nested(MAX_JSON_DEPTH + 1)), 400)
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in message
    # deep enough to exhaust the JSON parser's recursion (a 500 before)
    message = error(api.post("/4.1/policies", content=nested(100_000)), 400)
    assert "nested deeper" in message
    # at the limit the body is parsed and validated as usual
    message = error(api.post("/4.1/policies", content=nested(MAX_JSON_DEPTH)), 400)
    assert "nested" not in message and "'name'" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 0), ("[]", 0), ([], 1), ({"a": [1, {"b": []}]}, 4), ([[[]], {}], 3)],
)
def test_depth(value: object, expected: int) -> None:
    assert depth(value) == expected
