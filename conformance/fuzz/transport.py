"""How schemathesis' requests reach the appliance: guarded, bounded, reported.

schemathesis sends through ``requests`` sessions it creates itself. The fuzzing schema
uses :class:`BoundedTransport`, which mounts :class:`BoundedAdapter` on every session it
is handed, so every generated request, whatever phase made it, is asked of the run's
:class:`~conformance.core.guard.RequestGuard` before it leaves and is read against one
deadline for the whole answer, up to the size cap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from schemathesis import Case
from schemathesis.core.transport import Response
from schemathesis.schemas import BaseSchema
from schemathesis.transport.requests import (
    REQUESTS_TRANSPORT,
    RequestsTransport,
    SameHostRedirectsSession,
)

from conformance.core.bounds import BREAKER, AnswerTooSlow, read_bounded
from conformance.core.guard import RequestGuard

SchemaT = TypeVar("SchemaT", bound=BaseSchema)
#: Called with the token a request carried and the status it got.
AnswerListener = Callable[[str | None, int], None]
CHUNK_BYTES = 64 * 1024


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
        started = time.monotonic()
        try:
            response = super().send(request, stream=True, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            BREAKER.failure(f"{type(exc).__name__}: {exc}")
            raise
        try:
            body = read_bounded(
                response.raw.stream(CHUNK_BYTES, decode_content=True),
                started=started,
                deadline=self.deadline,
                what=f"the answer to {request.method} {request.path_url}",
            )
        except AnswerTooSlow as exc:
            BREAKER.failure(str(exc))
            raise
        finally:
            response.close()
        BREAKER.success()
        # the body is read and decoded: requests hands these bytes out as .content
        response._content = body
        response._content_consumed = True
        if self.on_answer is not None:
            self.on_answer(_token(request.headers), response.status_code)
        return response


def _token(headers: Mapping[str, Any]) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == "token"), None)
    return None if value is None else str(value)


class BoundedTransport(RequestsTransport):
    """schemathesis' requests transport, with a :class:`BoundedAdapter` on every session."""

    def __init__(
        self, guard: RequestGuard, deadline: float, on_answer: AnswerListener | None = None
    ) -> None:
        super().__init__()
        self._copy_serializers_from(REQUESTS_TRANSPORT)
        self.guard = guard
        self.deadline = deadline
        self.on_answer = on_answer

    def send(
        self, case: Case, *, session: requests.Session | None = None, **kwargs: Any
    ) -> Response:
        # refused before the request is even built: nothing of it reaches the wire
        self.guard.check(case.method, case.formatted_path)
        owned = session is None
        session = SameHostRedirectsSession() if session is None else session
        if not isinstance(session.get_adapter("https://"), BoundedAdapter):
            adapter = BoundedAdapter(self.guard, self.deadline, self.on_answer)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        try:
            return super().send(case, session=session, **kwargs)
        finally:
            if owned:
                session.close()


def bound(schema: SchemaT, transport: BoundedTransport) -> SchemaT:
    """``schema`` (and every schema narrowed from it) sending through ``transport``.

    schemathesis picks a schema's transport in its ``transport`` property; a subclass of
    the schema's own class answers ``transport`` instead, and clones keep the class.
    """
    base = type(schema)
    bounded = type(
        f"Bounded{base.__name__}", (base,), {"transport": property(lambda _self: transport)}
    )
    schema.__class__ = bounded
    return schema
