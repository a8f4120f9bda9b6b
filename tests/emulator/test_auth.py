"""Login and the Token header: missing, unknown and expired tokens get 401."""

from __future__ import annotations

import logging

import pytest

from tests.emulator.conftest import Api, error

pytestmark = pytest.mark.unit


def test_login_returns_a_token_that_works(api: Api) -> None:
    token = api.login()
    assert len(token) == 32
    answer = api.raw("GET", "/api/4.1/policies", headers={"Token": token})
    assert answer.status_code == 200


def test_wrong_credentials_are_401(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="conformance.emulator")
    answer = api.raw(
        "POST",
        "/api/4.1/auth/login",
        json={"username": "administrator@vsphere.local", "password": "n0pe-secret"},
    )
    assert "Invalid username or password" in error(answer, 401)
    assert answer.json()["statusMessage"] == "UNAUTHORIZED"
    # the log names the user a lockout policy would count, never the password
    assert caplog.messages == ["login refused for user 'administrator@vsphere.local'"]
    assert "n0pe-secret" not in caplog.text


def test_missing_or_unknown_token_is_401(api: Api) -> None:
    error(api.raw("GET", "/api/4.1/policies"), 401)
    error(api.raw("GET", "/api/4.1/policies", headers={"Token": "0" * 32}), 401)
    error(api.raw("POST", "/api/4.1/policies", json={}), 401)


def test_token_expires_after_the_ttl(api: Api) -> None:
    token = api.login()
    api.clock.advance(minutes=119)
    assert api.raw("GET", "/api/4.1/jobs", headers={"Token": token}).status_code == 200
    api.clock.advance(minutes=1)
    error(api.raw("GET", "/api/4.1/jobs", headers={"Token": token}), 401)


def test_token_ttl_is_configurable(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(token_ttl=1)
    token = api.login()
    api.clock.advance(seconds=61)
    error(api.raw("GET", "/api/4.1/jobs", headers={"Token": token}), 401)


def test_configured_credentials(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(username="ops@lab.local", password="s3cret")
    token = api.login("ops@lab.local", "s3cret")
    assert api.raw("GET", "/api/4.1/jobs", headers={"Token": token}).status_code == 200
    answer = api.raw(
        "POST",
        "/api/4.1/auth/login",
        json={"username": "administrator@vsphere.local", "password": "scv-emulator"},
    )
    error(answer, 401)


def test_expired_tokens_are_dropped_from_memory(api: Api) -> None:
    for _ in range(5):
        api.login()
    tokens = api.state.tokens.sessions
    assert len(tokens) == 5
    api.clock.advance(minutes=120)
    fresh = api.login()
    assert len(tokens) == 1
    assert api.raw("GET", "/api/4.1/jobs", headers={"Token": fresh}).status_code == 200


def test_live_tokens_are_bounded_oldest_first(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(max_sessions=3)
    tokens = [api.login() for _ in range(5)]
    assert len(api.state.tokens.sessions) == 3
    for token in tokens[:2]:
        error(api.raw("GET", "/api/4.1/jobs", headers={"Token": token}), 401)
    for token in tokens[2:]:
        assert api.raw("GET", "/api/4.1/jobs", headers={"Token": token}).status_code == 200
