"""How schemathesis' requests reach the appliance: guarded, bounded, reported.

Every request schemathesis sends, whatever phase made it, goes through a
:class:`BoundedAdapter`: it is asked of the run's
:class:`~conformance.http.guard.RequestGuard` before it leaves, keeps the process's pace
(``--rate-limit``, the same :data:`~conformance.http.pacing.PACER` as the harness's own
clients), and its answer is read against one deadline for the whole of it, up to the size
cap.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests
import requests.sessions
from requests.adapters import HTTPAdapter

from conformance.http import issued
from conformance.http.bounds import BREAKER, AnswerTooLarge, AnswerTooSlow, read_bounded
from conformance.http.guard import RequestGuard, is_session_call
from conformance.http.pacing import PACER
from conformance.http.session import LOGIN_PATH

#: Called with the token a request carried and the status it got.
AnswerListener = Callable[[str | None, int], None]
CHUNK_BYTES = 64 * 1024


class AnswerTooSlowError(requests.exceptions.RequestException):
    """An answer not in full within the deadline, as a requests error for schemathesis."""


class AnswerTooLargeError(requests.exceptions.RequestException):
    """An answer larger than the cap, as a requests error for schemathesis."""


class BoundedAdapter(HTTPAdapter):
    """A requests adapter that refuses what the guard refuses and bounds every answer."""

    def __init__(
        self, guard: RequestGuard, deadline: float, on_answer: AnswerListener | None
    ) -> None:
        super().__init__()
        self.guard = guard
        self.deadline = deadline
        self.on_answer = on_answer

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any
    ) -> requests.Response:
        self.guard.check(str(request.method), str(request.url))
        BREAKER.check()
        PACER.wait()
        started = time.monotonic()
        try:
            response = super().send(request, stream=True, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            BREAKER.failure(f"{type(exc).__name__}: {exc}")
            raise
        try:
            body = read_bounded(
                _arriving(response),
                started=started,
                deadline=self.deadline,
                what=f"the answer to {request.method} {request.path_url}",
            )
        except AnswerTooSlow as exc:
            BREAKER.failure(str(exc))
            raise AnswerTooSlowError(str(exc), request=request) from None
        except AnswerTooLarge as exc:
            raise AnswerTooLargeError(str(exc), request=request) from None
        finally:
            response.close()
        if not is_session_call(str(request.method), str(request.url)):
            BREAKER.success()
        # the body is read and decoded: requests hands these bytes out as .content (requests
        # has no public setter; ``raw`` must stay urllib3's, whose headers schemathesis reads)
        response._content = body
        response._content_consumed = True
        if response.status_code == 200 and str(request.path_url).endswith(LOGIN_PATH):
            _note_token(body)  # fuzzing logs in too: its tokens are secrets as well
        if self.on_answer is not None:
            self.on_answer(_token(request.headers), response.status_code)
        return response


def _arriving(response: requests.Response) -> Iterator[bytes]:
    """The body's bytes as they arrive (``stream`` would wait to fill each chunk)."""
    while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
        yield chunk


def _note_token(body: bytes) -> None:
    try:
        token = json.loads(body)["response"]["token"]
    except (ValueError, KeyError, TypeError):
        return
    if isinstance(token, str):
        issued.note(token)


def _token(headers: Mapping[str, Any]) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == "token"), None)
    return None if value is None else str(value)


class BoundedSessions:
    """While installed, every new requests session sends through a :class:`BoundedAdapter`.

    schemathesis makes its sessions itself in several places (the engine's per-thread
    session, fresh sessions for calls without auth, its own capability probes before each
    run), none of which takes an adapter. A requests session mounts
    ``requests.sessions.HTTPAdapter()`` when it is made; pointing that name at a bounded
    adapter for as long as the fuzzing suite lives is the one place that reaches them all.
    The test process is the harness's own, so nothing else is affected.
    """

    def __init__(
        self, guard: RequestGuard, deadline: float, on_answer: AnswerListener | None = None
    ) -> None:
        self.guard = guard
        self.deadline = deadline
        self.on_answer = on_answer
        self._saved: Any = None

    def adapter(self) -> BoundedAdapter:
        return BoundedAdapter(self.guard, self.deadline, self.on_answer)

    def install(self) -> None:
        if self._saved is None:
            self._saved = requests.sessions.HTTPAdapter
            requests.sessions.HTTPAdapter = self.adapter  # type: ignore[misc,assignment]

    def uninstall(self) -> None:
        if self._saved is not None:
            requests.sessions.HTTPAdapter = self._saved  # type: ignore[misc]
            self._saved = None
