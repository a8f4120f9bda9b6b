"""Request limits: a bounded body size (413) and a bounded JSON nesting depth (400).

Both answer in the SCV envelope. Starlette's own ``RequestBodyLimitMiddleware`` is not used:
it answers in plain text when the endpoint does not read the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.emulator.errors import ApiError

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: Far above any body the contract describes (its deepest is 4 levels), far below what
#: would exhaust the parser's or the validator's recursion.
MAX_JSON_DEPTH = 64
ErrorResponse = Callable[[str, int, str], Response]


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"Request body larger than {limit} bytes")


class BodyLimit:
    """Refuses a body over ``limit`` bytes: up front by its Content-Length, else as it streams.

    A declared length over the limit is answered here; a body that grows past it while an
    endpoint reads it raises ApiError 413 there, which the app's exception handler answers.
    """

    def __init__(self, app: ASGIApp, limit: int, error_response: ErrorResponse) -> None:
        self.app = app
        self.limit = limit
        self.error_response = error_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            answer = self.error_response(scope["path"], 413, too_large(self.limit).message)
            await answer(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise too_large(self.limit)
            return message

        await self.app(scope, counted, send)


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest = 0
    pending = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        node, level = pending.pop()
        deepest = max(deepest, level)
        children = node.values() if isinstance(node, dict) else node
        pending.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return deepest


def parse_json(raw: bytes) -> Any:
    """The JSON body; ApiError 400 when it is malformed or nested too deeply."""
    too_deep = ApiError(400, f"JSON request body nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(raw)
    except RecursionError:
        raise too_deep from None
    except ValueError:
        raise ApiError(400, "Malformed JSON request body") from None
    if depth(value) > MAX_JSON_DEPTH:
        raise too_deep
    return value
