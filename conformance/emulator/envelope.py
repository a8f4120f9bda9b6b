"""The SCV answer envelope and its JSON encoding."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

STATUS_NAMES = {
    200: "OK",
    201: "CREATED",
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE_ENTITY",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
JSON_HEADERS = {"content-type": "application/json"}


def dumps(value: Any) -> bytes:
    """Compact JSON bytes."""
    return _encode(value).encode("utf-8")


def envelope(
    status: int, message: str | None, response: Any = None, uri: str | None = None
) -> dict[str, Any]:
    """The envelope dict for an answer."""
    return {
        "statusCode": status,
        "statusMessage": STATUS_NAMES.get(status, str(status)),
        "responseMessage": message,
        "response": response,
        "uri": uri,
    }


def envelope_response(
    status: int,
    message: str | None,
    response: Any = None,
    uri: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A Starlette response carrying the envelope."""
    body = dumps(envelope(status, message, response, uri))
    return Response(body, status_code=status, headers={**JSON_HEADERS, **(headers or {})})
