"""The Token header as an httpx auth flow: one login, one resend on 401, no login storm."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from conformance.http import bounds, process
from conformance.http.bounds import AnswerTooLarge, Breaker, TokenRefused
from conformance.http.session import LOGIN_PATH, Exchange, ScvSession, Target

pytestmark = pytest.mark.unit

PASSWORD = "pw-Zq8xVw"


@pytest.fixture(autouse=True)
def fresh_breaker(monkeypatch: pytest.MonkeyPatch) -> Iterator[Breaker]:
    """A breaker of this test's own (a tripped one would stop every later test)."""
    breaker = Breaker()
    monkeypatch.setattr(process, "BREAKER", breaker)
    yield breaker


class Appliance:
    """Issues token-1, token-2, ...; accepts only the tokens in ``valid``."""

    def __init__(self, refuse_all: bool = False, body_401: bytes = b'{"statusCode": 401}') -> None:
        self.logins = 0
        self.valid: set[str] = set()
        self.refuse_all = refuse_all
        self.body_401 = body_401
        self.seen: list[tuple[str, str | None]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api")
        if path == LOGIN_PATH:
            self.logins += 1
            token = f"token-{self.logins}"
            self.valid.add(token)
            return answer(200, {"response": {"token": token}})
        token = request.headers.get("Token")
        self.seen.append((path, token))
        if self.refuse_all or token not in self.valid:
            return answer(401, self.body_401)
        return answer(200, {"response": []})


def answer(status: int, body: object) -> httpx.Response:
    """A streamed JSON answer, read as a real one is (not held in full from the start)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=iter([raw]), headers={"content-type": "application/json"})


def session_of(appliance: Appliance) -> ScvSession:
    target = Target("http://scv.test/api", "admin", PASSWORD)
    return ScvSession(target, transport=httpx.MockTransport(appliance), sleep=lambda _: None)


def test_a_refused_token_is_renewed_once_and_the_call_resent_and_recorded() -> None:
    appliance = Appliance()
    seen: list[Exchange] = []
    with session_of(appliance) as session:
        session.listeners.append(seen.append)
        assert session.request("GET", "/4.1/policies").status_code == 200
        appliance.valid.clear()  # the appliance forgets every token it issued
        assert session.request("GET", "/4.1/policies").status_code == 200
    assert appliance.logins == 2
    assert appliance.seen[-2:] == [("/4.1/policies", "token-1"), ("/4.1/policies", "token-2")]
    # the refused call, the new login and the resent call are all in the exchange log
    statuses = [(e.url.rsplit("/api", 1)[1], e.status_code) for e in seen]
    assert statuses == [
        (LOGIN_PATH, 200),
        ("/4.1/policies", 200),
        (LOGIN_PATH, 200),
        ("/4.1/policies", 401),
        ("/4.1/policies", 200),
    ]
    for exchange in seen:
        text = exchange.render()
        assert PASSWORD not in text and "token-1" not in text and "token-2" not in text


def test_a_token_refused_right_after_its_login_ends_the_run(fresh_breaker: Breaker) -> None:
    appliance = Appliance(refuse_all=True)
    with session_of(appliance) as session, pytest.raises(TokenRefused, match="just issued"):
        session.request("GET", "/4.1/policies")
    assert appliance.logins == 1, "no second login for a token never accepted"
    assert fresh_breaker.tripped


def test_an_accepted_token_refused_later_gets_one_new_login_then_ends_the_run(
    fresh_breaker: Breaker,
) -> None:
    appliance = Appliance()
    with session_of(appliance) as session:
        session.request("GET", "/4.1/policies")
        appliance.refuse_all = True
        with pytest.raises(TokenRefused):
            session.request("GET", "/4.1/policies")
    assert appliance.logins == 2 and fresh_breaker.tripped


def test_the_answer_a_renewal_reads_and_drops_is_bounded_too() -> None:
    huge = json.dumps({"statusCode": 401, "pad": "x" * (bounds.MAX_ANSWER_BYTES + 1)})
    appliance = Appliance(body_401=huge.encode())
    with session_of(appliance) as session:
        session.request("GET", "/4.1/policies")
        appliance.valid.clear()
        with pytest.raises(AnswerTooLarge):
            session.request("GET", "/4.1/policies")
