"""A token a workflow's login step was just issued, refused by the next call: TokenRefused."""

from __future__ import annotations

import httpx
import pytest

from conformance.http import process
from conformance.http.bounds import Breaker, TokenRefused
from conformance.http.session import LOGIN_PATH
from conformance.scenarios.fresh_tokens import FreshTokens

pytestmark = pytest.mark.unit


def _answer(status: int, body: object = None) -> httpx.Response:
    return httpx.Response(status, json=body if body is not None else {})


@pytest.fixture
def breaker(monkeypatch: pytest.MonkeyPatch) -> Breaker:
    """A breaker of the test's own: tripping the process's would stop this test session."""
    own = Breaker()
    monkeypatch.setattr(process, "BREAKER", own)
    return own


LOGGED_IN = _answer(200, {"statusCode": 200, "response": {"token": "t-1"}})


def test_a_fresh_token_refused_at_once_trips_the_breaker(breaker: Breaker) -> None:
    tokens = FreshTokens("https://scv/api")
    tokens.observe("POST", LOGIN_PATH, {}, LOGGED_IN)
    with pytest.raises(TokenRefused, match="refused the token it had just issued"):
        tokens.observe("GET", "/4.1/jobs", {"Token": "t-1"}, _answer(401))
    assert breaker.tripped


def test_a_token_refused_after_it_was_accepted_is_the_workflow_s_business(
    breaker: Breaker,
) -> None:
    tokens = FreshTokens("https://scv/api")
    tokens.observe("POST", LOGIN_PATH, {}, LOGGED_IN)
    tokens.observe("GET", "/4.1/jobs", {"token": "t-1"}, _answer(200))
    # accepted once: a later 401 (expiry, a probe of a logged-out token) is judged as usual
    tokens.observe("GET", "/4.1/jobs", {"Token": "t-1"}, _answer(401))
    # a call without the fresh token (no token, another one) proves nothing
    tokens.observe("POST", LOGIN_PATH, {}, LOGGED_IN)
    tokens.observe("GET", "/4.1/jobs", {}, _answer(401))
    tokens.observe("GET", "/4.1/jobs", {"Token": "forged"}, _answer(401))
    # a failed login issues nothing
    tokens.observe("POST", LOGIN_PATH, {}, _answer(401))
    assert not breaker.tripped
