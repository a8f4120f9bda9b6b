"""The one send path: every client's requests go through one policy, and its bounds hold on
what the harness holds (each layer of an encoding, parsed answers), not only on what it reads."""

from __future__ import annotations

import gc
import gzip
import io
import json
import os
import struct
import traceback
import tracemalloc
import weakref
import zlib
from typing import Any

import httpx
import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse

from conformance.contract import json_budget
from conformance.fuzz.transport import AnswerTooLargeError, BoundedAdapter, bounded_json
from conformance.http import issued, process
from conformance.http.bounds import AnswerTooLarge, Breaker, TargetGone
from conformance.http.decoding import decoded
from conformance.http.guard import ReadOnlyViolation, RequestGuard
from conformance.http.sending import (
    SendPolicy,
    environment_proxy,
    login_token,
    policy_client,
)
from conformance.http.session import LOGIN_PATH, ScvSession, Target

pytestmark = pytest.mark.unit

MiB = 1024 * 1024


def gzip_bomb(size: int = 1 << 30) -> bytes:
    """``size`` spaces, gzipped twice: a few kilobytes on the wire."""
    chunk = b" " * MiB
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)  # the same for every MiB
    crc = 0
    for _ in range(size // MiB):
        crc = zlib.crc32(chunk, crc)
    inner = b"".join(
        [
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff",
            block * (size // MiB),
            packer.flush(),
            struct.pack("<II", crc, size & 0xFFFFFFFF),
        ]
    )
    return gzip.compress(inner, 9)


@pytest.fixture
def breaker(monkeypatch: pytest.MonkeyPatch) -> Breaker:
    """A breaker of the test's own (a tripped process breaker would stop later tests)."""
    own = Breaker()
    monkeypatch.setattr(process, "BREAKER", own)
    return own


def _appliance(body: bytes, encoding: str | None = None, sent: list[str] | None = None) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        if sent is not None:
            sent.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith(LOGIN_PATH):
            return httpx.Response(200, json={"response": {"token": "t0ken-Zq8xVw-issued"}})
        headers = {"content-type": "application/json"}
        if encoding:
            headers["content-encoding"] = encoding
        return httpx.Response(200, content=iter([body]), headers=headers)

    return httpx.MockTransport(answer)


def _session(transport: httpx.BaseTransport, **options: Any) -> ScvSession:
    return ScvSession(
        Target("http://scv.test/api", "admin", "pw-Zq8xVw"), transport=transport, **options
    )


def test_a_gzip_bomb_is_stopped_in_its_first_layer_and_memory_stays_small(
    breaker: Breaker,
) -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 4096
    session = _session(_appliance(bomb, "gzip, gzip"))
    session.token()
    tracemalloc.start()
    try:
        with pytest.raises(AnswerTooLarge, match=r"larger than 8 MiB once decoded \(gzip, layer 2"):
            session.request("GET", "/4.1/jobs")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * MiB  # the cap and a step per layer; whole, the layer is 1 GiB
    assert not breaker.tripped


def test_every_layer_is_capped_also_one_that_is_not_the_last() -> None:
    # undoing the outer layer alone gives 9 MiB (gzip of noise): past the cap before the
    # inner layer is reached
    wire = gzip.compress(gzip.compress(os.urandom(9 * MiB)), 1)
    with pytest.raises(AnswerTooLarge, match=r"gzip, layer 1 of 2"):
        b"".join(decoded([wire], ["gzip", "gzip"], limit=8 * MiB, what="the answer"))
    small = gzip.compress(gzip.compress(b" " * MiB))
    assert b"".join(decoded([small], ["gzip", "gzip"], limit=8 * MiB, what="")) == b" " * MiB


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-15)),  # raw, as some servers send
        ("identity", lambda data: data),
        ("br", lambda data: data),  # not decoded (httpx has no decoder for it either)
        ("gzip, deflate", lambda data: zlib.compress(gzip.compress(data))),
    ],
)
def test_encodings_are_undone_as_httpx_undoes_them(encoding: str, encode: Any) -> None:
    body = json.dumps({"response": list(range(50_000))}).encode()
    session = _session(_appliance(encode(body), encoding))
    response = session.request("GET", "/4.1/jobs")
    assert response.content == body
    assert response.json() == {"response": list(range(50_000))}
    assert response.headers["content-length"] == str(len(body))
    assert "content-encoding" not in response.headers


def test_a_body_that_is_not_its_encoding_is_a_decoding_error() -> None:
    session = _session(_appliance(b"not gzip at all", "gzip"))
    with pytest.raises(httpx.DecodingError, match="not gzip"):
        session.request("GET", "/4.1/jobs")


def test_the_guard_the_breaker_and_the_pace_hold_for_a_plain_client(breaker: Breaker) -> None:
    sent: list[str] = []
    policy = SendPolicy(RequestGuard(read_only=True))
    with policy_client("http://vc.test", True, 5.0, policy, _appliance(b"{}", sent=sent)) as client:
        assert client.get("/api/vcenter/vm").status_code == 200
        with pytest.raises(ReadOnlyViolation, match="refused DELETE /api/vcenter/vm/vm-1"):
            client.delete("/api/vcenter/vm/vm-1")
        breaker.trip("gone")
        with pytest.raises(TargetGone):
            client.get("/api/vcenter/vm")
    assert sent == ["GET /api/vcenter/vm"]


def test_a_login_answer_s_token_is_noted_by_the_send_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    noted = tmp_path / "issued"
    monkeypatch.setenv(issued.ISSUED_VARIABLE, str(noted))
    _session(_appliance(b"{}")).token()
    assert noted.read_text() == "t0ken-Zq8xVw-issued\n"


@pytest.mark.parametrize(
    ("status", "body", "token"),
    [
        (200, b'{"response": {"token": "abc"}}', "abc"),
        (200, b'{"response": {"token": ""}}', None),
        (200, b'{"response": {"token": 12}}', None),
        (200, b'{"response": "abc"}', None),
        (200, b"<html>", None),
        (401, b'{"response": {"token": "abc"}}', None),
        (200, b"[" * 100_000 + b"]" * 100_000, None),
    ],
)
def test_one_parser_reads_a_login_answer(status: int, body: bytes, token: str | None) -> None:
    assert login_token(status, body) == token


def test_the_environment_s_proxy_is_taken_unless_no_proxy_exempts_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "proxy.lab:3128")
    monkeypatch.setenv("NO_PROXY", "scv.lab")
    assert environment_proxy(httpx.URL("https://vc.lab/api")) == "http://proxy.lab:3128"
    assert environment_proxy(httpx.URL("https://scv.lab:8144/api")) is None
    assert environment_proxy(httpx.URL("http://vc.lab/api")) is None


def _requests_answer(monkeypatch: pytest.MonkeyPatch, body: bytes, encoding: str) -> None:
    def answering(
        adapter: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        raw = HTTPResponse(
            body=io.BytesIO(body),
            headers={"content-encoding": encoding, "content-type": "application/json"},
            status=200,
            preload_content=False,
        )
        return adapter.build_response(request, raw)

    monkeypatch.setattr(HTTPAdapter, "send", answering)


def test_schemathesis_requests_meet_the_same_cap_on_every_layer(
    monkeypatch: pytest.MonkeyPatch, breaker: Breaker
) -> None:
    _requests_answer(monkeypatch, gzip_bomb(), "gzip, gzip")
    adapter = BoundedAdapter(SendPolicy(), on_answer=None)
    request = requests.Request("GET", "http://scv.test/api/4.1/jobs").prepare()
    tracemalloc.start()
    try:
        with pytest.raises(AnswerTooLargeError, match="once decoded"):
            adapter.send(request)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * MiB


def test_schemathesis_requests_are_decoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    body = b'{"response": [1, 2, 3]}'
    _requests_answer(monkeypatch, gzip.compress(gzip.compress(body)), "gzip, gzip")
    adapter = BoundedAdapter(SendPolicy(), on_answer=None)
    request = requests.Request("GET", "http://scv.test/api/4.1/jobs").prepare()
    response = adapter.send(request)
    assert response.content == body and response.json() == {"response": [1, 2, 3]}


@pytest.mark.parametrize(
    ("body", "budget"),
    [
        (b"[" + b"0," * 4_000_000 + b"0]", "MAX_VALUES"),
        (b"[" * 100_000 + b"]" * 100_000, "MAX_DEPTH"),
        (b'{"a":' * 65 + b"1" + b"}" * 65, "MAX_DEPTH"),
    ],
)
def test_an_answer_over_the_budget_is_refused_by_name_before_it_is_parsed(
    body: bytes, budget: str
) -> None:
    with pytest.raises(json_budget.OverBudget, match=budget):
        json_budget.loads(body)
    session = _session(_appliance(body))
    with pytest.raises(ValueError, match=budget):  # as an answer that is not JSON
        session.request("GET", "/4.1/jobs").json()

    class Answer:
        content = body

    with pytest.raises(ValueError, match=budget):  # schemathesis' checks parse so too
        bounded_json(None, Answer())  # type: ignore[arg-type]


def test_an_answer_within_the_budget_parses_as_json_parses_it() -> None:
    value = {
        "response": [{"name": 'a "quoted" [bracket, {brace', "n": i} for i in range(1000)],
        "deep": json.loads("[" * 63 + "]" * 63),  # 64 levels with the object around it
    }
    text = json.dumps(value)
    assert json_budget.loads(text) == value == json_budget.loads(text.encode())


def test_an_answer_let_go_of_is_freed_at_once_not_by_the_cyclic_collector() -> None:
    # httpx binds a response's stream to the response: with that cycle left, every answer
    # waited for the cyclic collector, and a run held dozens of 8 MiB answers nobody used
    client = policy_client(
        "http://appliance.test",
        verify=False,
        timeout=5,
        policy=SendPolicy(),
        transport=httpx.MockTransport(lambda request: httpx.Response(200, content=b"x" * MiB)),
    )
    gc.disable()
    try:
        response = client.get("/4.1/vm")
        assert response.content == b"x" * MiB
        assert response.elapsed.total_seconds() >= 0  # still set when the stream closes
        gone = weakref.ref(response)
        del response
        assert gone() is None
    finally:
        gc.enable()
        client.close()


def _bytes_in_frames(error: BaseException) -> int:
    """Bytes and text reachable from the locals of the frames of an error's traceback (the
    caller's, which holds the answer anyway, left out)."""
    frames = [frame for frame, _ in traceback.walk_tb(error.__traceback__)][1:]
    held = [v for f in frames for v in f.f_locals.values() if isinstance(v, bytes | str)]
    return sum(len(v) for v in held)


@pytest.mark.parametrize(
    "body",
    [b"[" + b"0," * 300_000 + b"0]", b"[" * 1000 + b"]" * 1000, b'{"a": ' + b" " * MiB + b"x}"],
    ids=["too many values", "too deep", "not JSON"],
)
def test_a_refused_answer_s_error_does_not_hold_the_answer(body: bytes) -> None:
    # schemathesis keeps a check's error (and its context) until the operation's run ends
    with pytest.raises(ValueError) as info:
        json_budget.loads(body)
    assert _bytes_in_frames(info.value) < 1024
    assert info.value.__context__ is None
    if isinstance(info.value, json.JSONDecodeError):
        assert len(info.value.doc) <= json_budget.KEPT_DOCUMENT
        assert "line 1 column" in str(info.value)


def test_counting_a_long_list_s_values_holds_little_beside_it() -> None:
    # 330,000 strings: taking them out in one go once built 114 MB of pieces
    items = [{"id": i, "name": f"item-{i:06d}", "note": "a,b[c]"} for i in range(110_000)]
    body = json.dumps(items).encode()
    tracemalloc.start()
    try:
        with pytest.raises(json_budget.OverBudget, match="440,001 JSON values"):
            json_budget.loads(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * len(body)
