"""Large answers held at once: a process-wide budget that bounds how many threads hold
one, without making small answers wait and without a thread waiting for itself."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from conformance.http.bounds import AnswerTooLarge
from conformance.http.large_answers import HeldBody, LargeAnswers
from conformance.http.sending import SendPolicy, policy_client

pytestmark = pytest.mark.unit

KiB = 1024
SMALL = 64 * KiB
LARGE = b"[" + b"0," * (100 * KiB) + b"0]"


def _client(large: LargeAnswers, body: bytes = LARGE, deadline: float = 30.0) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/small":
            return httpx.Response(200, content=b'{"ok": true}')
        return httpx.Response(200, content=body)

    policy = SendPolicy(deadline=deadline, large=large, limit=1024 * KiB)
    return policy_client("http://appliance.test", False, 5, policy, httpx.MockTransport(answer))


def _budget(shares: int = 1, patience: float = 10.0) -> LargeAnswers:
    return LargeAnswers(
        budget=shares * 1024 * KiB, share=1024 * KiB, small=SMALL, patience=patience
    )


def _in_thread(work: object) -> tuple[threading.Thread, list[object]]:
    done: list[object] = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)  # type: ignore[operator]
    thread.start()
    return thread, done


def test_a_large_body_holds_its_share_until_it_is_freed() -> None:
    large = _budget()
    with _client(large) as client:
        response = client.get("/large")
        assert isinstance(response.content, HeldBody) and large.holders == 1
        assert response.json()[:3] == [0, 0, 0]
        del response
        assert large.holders == 0


def test_a_large_answer_waits_while_the_budget_is_held_and_small_ones_never_do() -> None:
    large = _budget(shares=1)
    with _client(large) as client:
        held = client.get("/large").content  # this thread holds the one share
        small, small_done = _in_thread(lambda: client.get("/small").status_code)
        small.join(5)
        assert small_done == [200]  # not held up
        other, other_done = _in_thread(lambda: len(client.get("/large").content))
        time.sleep(0.3)
        assert other_done == []  # waits for the share
        del held
        other.join(5)
        assert other_done == [len(LARGE)]
        assert large.most_holders == 1 and large.overdrawn == 0


def test_a_thread_holding_a_large_body_reads_its_next_without_waiting_for_itself() -> None:
    # the usual loop keeps the last answer while it sends the next
    large = _budget(shares=1, patience=5.0)
    started = time.monotonic()
    with _client(large) as client:
        response = client.get("/large")
        for _ in range(3):
            response = client.get("/large")
        assert response.status_code == 200
    assert time.monotonic() - started < 2
    assert large.overdrawn == 0


def test_the_deadline_stands_still_while_an_answer_waits_for_a_share() -> None:
    large = _budget(shares=1)
    with _client(large, deadline=0.5) as client:
        held = client.get("/large").content
        other, done = _in_thread(lambda: client.get("/large").status_code)
        time.sleep(1.0)  # twice the deadline, waiting for the share
        del held
        other.join(5)
        assert done == [200]


def test_an_answer_refused_part_way_gives_its_share_back_at_once() -> None:
    large = _budget(shares=1)
    over_the_cap = b" " * (2 * 1024 * KiB)
    with _client(large, body=over_the_cap) as client, pytest.raises(AnswerTooLarge):
        client.get("/large")
    assert large.holders == 0


def test_a_wait_beyond_patience_goes_on_without_a_share_and_is_counted() -> None:
    large = _budget(shares=1, patience=0.2)
    with _client(large) as client:
        held = client.get("/large").content
        other, done = _in_thread(lambda: client.get("/large").status_code)
        other.join(5)
        assert done == [200] and large.overdrawn == 1
        del held
    assert large.holders == 0
