"""Starlette routes bound from the served operations: one route per path template.

Each route takes every method and picks the operation itself, so that a literal segment
(``backupnow``) is never read as a parameter value of a sibling template and a 405 names
the methods of the path that matched (Spring MVC behaves alike).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, request_response
from starlette.types import Receive, Scope, Send

from conformance.contract.spec import Operation
from conformance.emulator.errors import ApiError
from conformance.emulator.handlers.registry import Handler
from conformance.emulator.validation import RequestValidator

BASE_PATH = "/api"


@dataclass(frozen=True)
class ServedOperation:
    """One operation the emulator serves: its contract entry, handler and checks."""

    operation: Operation
    handler: Handler
    validator: RequestValidator


_PARAM = re.compile(r"\{([^}/]+)\}")


def compile_template(template: str) -> re.Pattern[str]:
    """The pattern of a path template: each ``{parameter}`` a named group of one segment."""
    pattern = ""
    position = 0
    for match in _PARAM.finditer(template):
        pattern += re.escape(template[position : match.start()])
        pattern += f"(?P<{match.group(1)}>[^/]+)"
        position = match.end()
    pattern += re.escape(template[position:])
    return re.compile(f"^{pattern}$")


Serve = Callable[[ServedOperation, Request], Awaitable[Response]]
Respond = Callable[[Request], Awaitable[Response]]


class AnyMethod:
    """An ASGI endpoint that takes every method (Starlette routes a function to GET only)."""

    def __init__(self, respond: Respond) -> None:
        self._app = request_response(respond)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


class PathOperations:
    """The operations of one path template, by HTTP method."""

    def __init__(self, by_method: dict[str, ServedOperation], serve: Serve) -> None:
        self._by_method = by_method
        self._serve = serve

    async def respond(self, request: Request) -> Response:
        served = self._by_method.get(request.method)
        if served is None:
            # RFC 9110: a 405 carries the methods the path does take
            allow = ", ".join(sorted(self._by_method))
            message = f"Request method '{request.method}' is not supported"
            raise ApiError(405, message, {"Allow": allow})
        return await self._serve(served, request)


def operation_routes(operations: list[ServedOperation], serve: Serve) -> list[Route]:
    """Routes under ``/api``: literal paths first, then templates by parameter count."""
    by_path: dict[str, dict[str, ServedOperation]] = {}
    for served in operations:
        methods = by_path.setdefault(served.operation.path, {})
        methods[served.operation.method.upper()] = served
    ordered = sorted(by_path, key=lambda template: template.count("{"))
    return [
        Route(BASE_PATH + template, AnyMethod(PathOperations(by_path[template], serve).respond))
        for template in ordered
    ]
