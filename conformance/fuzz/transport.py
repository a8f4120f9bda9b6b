"""How schemathesis' requests reach the appliance: through the harness's one send path.

Every request schemathesis sends, whatever phase made it, goes through a
:class:`BoundedAdapter`, which applies the same
:class:`~conformance.http.sending.SendPolicy` as the harness's own httpx clients: asked of
the run's guard and the process's breaker before it leaves, paced (``--rate-limit``), its
answer read against one deadline for the whole of it and decoded layer by layer within the
size cap (requests would decode a ``gzip, gzip`` bomb whole), a login's token noted as a
secret.

schemathesis parses answers itself: :func:`bounded_json` replaces its JSON deserializer
(through its public ``schemathesis.deserializer``), so that its checks parse within the
harness's budget too (:mod:`conformance.contract.json_budget`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests
import requests.sessions
import schemathesis
from requests.adapters import HTTPAdapter

from conformance.contract import json_budget
from conformance.http.bounds import MAX_ATTACHMENT_CHARS, AnswerTooLarge, AnswerTooSlow
from conformance.http.decoding import Undecodable
from conformance.http.sending import SendPolicy

#: Called with the token a request carried and the status it got.
AnswerListener = Callable[[str | None, int], None]
CHUNK_BYTES = 64 * 1024


class AnswerTooSlowError(requests.exceptions.RequestException):
    """An answer not in full within the deadline, as a requests error for schemathesis."""


class AnswerTooLargeError(requests.exceptions.RequestException):
    """An answer larger than the cap, as a requests error for schemathesis."""


class BoundedAdapter(HTTPAdapter):
    """A requests adapter that sends under the policy: the guard, the breaker, the pace,
    the deadline and the cap."""

    def __init__(self, policy: SendPolicy, on_answer: AnswerListener | None) -> None:
        super().__init__()
        self.policy = policy
        self.on_answer = on_answer

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any
    ) -> requests.Response:
        method, url = str(request.method), str(request.url)
        started = self.policy.leave(method, url)
        try:
            response = super().send(request, stream=True, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            self.policy.failed(f"{type(exc).__name__}: {exc}")
            raise
        what = f"the answer to {request.method} {request.path_url}"
        reading = self.policy.large.reading()
        try:
            pieces = self.policy.body(
                _arriving(response),
                response.headers.get("content-encoding"),
                started=started,
                what=what,
                reading=reading,
            )
            # a large body holds its share of the process's budget until it is freed
            body = reading.body(b"".join(pieces))
        except AnswerTooSlow as exc:
            raise AnswerTooSlowError(str(exc), request=request) from None
        except AnswerTooLarge as exc:
            raise AnswerTooLargeError(str(exc), request=request) from None
        except Undecodable as exc:
            raise requests.exceptions.ContentDecodingError(
                f"{what}: {exc}", request=request
            ) from None
        finally:
            response.close()
        self.policy.answered(method, url, response.status_code, body)
        # the body is read and decoded: requests hands these bytes out as .content (requests
        # has no public setter; ``raw`` must stay urllib3's, whose headers schemathesis reads)
        response._content = body
        response._content_consumed = True
        if self.on_answer is not None:
            self.on_answer(_token(request.headers), response.status_code)
        return response


def _arriving(response: requests.Response) -> Iterator[bytes]:
    """The body's bytes as they arrive, still encoded (``stream`` would wait to fill each
    chunk; urllib3 would decode each whole)."""
    while chunk := response.raw.read1(CHUNK_BYTES, decode_content=False):
        yield chunk


def _token(headers: Mapping[str, Any]) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == "token"), None)
    return None if value is None else str(value)


@schemathesis.deserializer("application/json")
def bounded_json(_context: schemathesis.DeserializationContext, response: Any) -> Any:
    """schemathesis' JSON deserializer, within the harness's budget: an answer over it
    fails the check that parses it, with the budget named (OverBudget is a ValueError).

    Such an answer is judged by that alone, and the response keeps its first
    :data:`~conformance.http.bounds.MAX_ATTACHMENT_CHARS` bytes from then on:
    schemathesis keeps the failure until the operation's run ends, and with it (its
    context's traceback) the frames that hold the response, so the whole body would stay
    in memory (with its share of the large answers' budget) for as long.
    """
    try:
        return json_budget.loads(response.content)
    except json_budget.OverBudget:
        response.content = response.content[:MAX_ATTACHMENT_CHARS]
        raise


class BoundedSessions:
    """While installed, every new requests session sends through a :class:`BoundedAdapter`.

    schemathesis makes its sessions itself in several places (the engine's per-thread
    session, fresh sessions for calls without auth, its own capability probes before each
    run), none of which takes an adapter. A requests session mounts
    ``requests.sessions.HTTPAdapter()`` when it is made; pointing that name at a bounded
    adapter for as long as the fuzzing suite lives is the one place that reaches them all.
    The test process is the harness's own, so nothing else is affected.
    """

    def __init__(self, policy: SendPolicy, on_answer: AnswerListener | None = None) -> None:
        self.policy = policy
        self.on_answer = on_answer
        self._saved: Any = None

    def adapter(self) -> BoundedAdapter:
        return BoundedAdapter(self.policy, self.on_answer)

    def install(self) -> None:
        if self._saved is None:
            self._saved = requests.sessions.HTTPAdapter
            requests.sessions.HTTPAdapter = self.adapter  # type: ignore[misc,assignment]

    def uninstall(self) -> None:
        if self._saved is not None:
            requests.sessions.HTTPAdapter = self._saved  # type: ignore[misc]
            self._saved = None
