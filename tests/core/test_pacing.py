"""``--rate-limit``: requests spaced by the pace, each one as it leaves, logins included."""

from __future__ import annotations

import io
import itertools
import json
import threading
from typing import Any

import httpx
import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse

from conformance.fuzz.transport import BoundedAdapter
from conformance.http import process
from conformance.http.guard import UNGUARDED
from conformance.http.pacing import Pacer
from conformance.http.sending import SendPolicy
from conformance.http.session import LOGIN_PATH, ScvSession, Target

pytestmark = pytest.mark.unit


class FakeTime:
    """A clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """The process's pacer on a fake clock, at 20 requests a second."""
    time = FakeTime()
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    pacer.configure(20)
    monkeypatch.setattr(process, "PACER", pacer)
    return time


def test_requests_are_spaced_by_the_interval_without_a_burst() -> None:
    time = FakeTime()
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    pacer.configure(4)
    sent = []
    for _ in range(5):
        pacer.wait()
        sent.append(time.now)
    assert [round(b - a, 6) for a, b in itertools.pairwise(sent)] == [0.25] * 4
    time.now += 10  # idle a while: the next request goes at once, the one after waits again
    pacer.wait()
    first = time.now
    pacer.wait()
    assert time.now - first == pytest.approx(0.25)


def test_no_rate_lifts_the_limit() -> None:
    time = FakeTime()
    pacer = Pacer(clock=time.clock, sleep=time.sleep)
    pacer.configure(None)
    for _ in range(100):
        pacer.wait()
    assert time.now == 100.0 and pacer.waited == 0.0


def test_threads_share_one_pace() -> None:
    time = FakeTime()
    slots: list[float] = []
    lock = threading.Lock()

    def clock() -> float:
        return 0.0  # every thread asks at the same instant

    def sleep(seconds: float) -> None:
        with lock:
            slots.append(seconds)

    pacer = Pacer(clock=clock, sleep=sleep)
    pacer.configure(10)
    threads = [threading.Thread(target=pacer.wait) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # one went at once, the others at 0.1, 0.2, ... 0.7: each its own slot
    assert sorted(round(s, 6) for s in slots) == [round(0.1 * k, 6) for k in range(1, 8)]
    assert time.now == 100.0


def test_a_login_an_auth_flow_makes_takes_its_own_slot(fake_time: FakeTime) -> None:
    arrived: list[tuple[str, float]] = []
    logins = 0

    def appliance(request: httpx.Request) -> httpx.Response:
        nonlocal logins
        path = request.url.path.removeprefix("/api")
        arrived.append((path, fake_time.now))
        if path == LOGIN_PATH:
            logins += 1
            return answer(200, {"response": {"token": f"token-{logins}"}})
        if request.headers.get("Token") != f"token-{logins}" or len(arrived) == 4:
            return answer(401, {"statusCode": 401})  # the 4th: the token expired
        return answer(200, {"response": []})

    target = Target("http://scv.test/api", "admin", "pw-Zq8xVw")
    # the session's own clock stands still: its relogin wait does not move the pacer's
    transport = httpx.MockTransport(appliance)
    with ScvSession(target, transport=transport, clock=lambda: 0.0, sleep=no_sleep) as session:
        for _ in range(2):
            session.request("GET", "/4.1/policies")
        session.request("GET", "/4.1/jobs")
    paths = [path for path, _ in arrived]
    assert paths == [
        LOGIN_PATH,
        "/4.1/policies",
        "/4.1/policies",
        "/4.1/jobs",  # 401
        LOGIN_PATH,
        "/4.1/jobs",  # resent
    ]
    times = [at for _, at in arrived]
    assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [0.05] * 5


def test_every_request_schemathesis_sends_keeps_the_pace(
    fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    arrived: list[float] = []

    def answering(
        adapter: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        arrived.append(fake_time.now)
        raw = HTTPResponse(body=io.BytesIO(b"{}"), status=200, preload_content=False)
        return adapter.build_response(request, raw)

    monkeypatch.setattr(HTTPAdapter, "send", answering)
    adapter = BoundedAdapter(SendPolicy(UNGUARDED, deadline=30.0), on_answer=None)
    for _ in range(3):
        request = requests.Request("GET", "http://scv.test/api/4.1/policies").prepare()
        assert adapter.send(request).content == b"{}"
    assert [round(b - a, 6) for a, b in itertools.pairwise(arrived)] == [0.05] * 2


def answer(status: int, body: object) -> httpx.Response:
    """A streamed JSON answer, as an appliance's arrives."""
    content = iter([json.dumps(body).encode()])
    return httpx.Response(status, content=content, headers={"content-type": "application/json"})


def no_sleep(seconds: float) -> None:
    pass
