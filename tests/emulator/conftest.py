"""Fixtures: an emulated appliance in-process (httpx.ASGITransport) on a manual clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from conformance.contract.spec import load_contract
from conformance.emulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    EmulatorConfig,
    ManualClock,
    create_app,
)


class Api:
    """A synchronous client of one in-process emulator; logs in on first use."""

    def __init__(self, app: Any, clock: ManualClock) -> None:
        self.app = app
        self.clock = clock
        self.appliance = app.state.appliance
        self.state = self.appliance.state
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://scv.test"
        )
        self._token: str | None = None

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()

    def raw(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A request with no token added."""
        return self._loop.run_until_complete(self._client.request(method, url, **kwargs))

    def login(self, username: str = DEFAULT_USERNAME, password: str = DEFAULT_PASSWORD) -> str:
        answer = self.raw(
            "POST", "/api/4.1/auth/login", json={"username": username, "password": password}
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["response"]["token"])

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = self.login()
        return self._token

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Token": self.token, **kwargs.pop("headers", {})}
        return self.raw(method, f"/api{path}", headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("DELETE", path, **kwargs)

    def ok(self, answer: httpx.Response) -> Any:
        """The payload of a 200 answer (fails the test otherwise)."""
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["statusCode"] == 200 and body["statusMessage"] == "OK"
        return body["response"]

    def travel(self, **delta: float) -> None:
        """Move the clock far ahead and log in again (the old token has expired)."""
        self.clock.advance(**delta)
        self._token = None

    def finish_jobs(self) -> None:
        """Let every running job end (the clock moves past the job duration)."""
        self.clock.advance(seconds=self.appliance.config.job_duration + 1)


def error(answer: httpx.Response, status: int) -> str:
    """Assert an error envelope of ``status``; return its responseMessage."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["statusCode"] == status
    assert body["response"] is None and body["uri"] is None
    assert isinstance(body["responseMessage"], str) and body["responseMessage"]
    return str(body["responseMessage"])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_api(clock: ManualClock) -> Iterator[Callable[..., Api]]:
    made: list[Api] = []

    def make(**settings: Any) -> Api:
        settings.setdefault("job_duration", 10.0)
        api = Api(create_app(EmulatorConfig(**settings), clock), clock)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


def _response_validators() -> dict[tuple[str, int], Draft202012Validator]:
    contract = load_contract()
    components = contract.document["components"]
    validators = {}
    for op in contract.operations:
        for status, response in op.definition["responses"].items():
            if "$ref" in response:
                response = components["responses"][response["$ref"].rsplit("/", 1)[1]]
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if schema is not None:
                root = {**schema, "components": components}
                validators[(op.operation_id, int(status))] = Draft202012Validator(root)
    return validators


RESPONSE_VALIDATORS = _response_validators()


def assert_conforms(operation_id: str, answer: httpx.Response) -> None:
    """The answer's body matches the contract's schema for its operation and status."""
    validator = RESPONSE_VALIDATORS[(operation_id, answer.status_code)]
    errors = sorted(validator.iter_errors(answer.json()), key=str)
    assert not errors, f"{operation_id} {answer.status_code}: {errors[0].message}"
