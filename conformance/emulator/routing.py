"""Routes bound from the contract: path template + method -> operation and handler."""

from __future__ import annotations

import re
from dataclasses import dataclass

from conformance.core.contract import Operation
from conformance.emulator.errors import ApiError
from conformance.emulator.handlers.registry import Handler
from conformance.emulator.validation import RequestValidator

_PARAM = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class Route:
    """One served operation."""

    operation: Operation
    handler: Handler
    validator: RequestValidator


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


class Router:
    """Finds the route of a path (relative to the base path) and method."""

    def __init__(self, routes: list[Route]) -> None:
        self._literal: dict[str, dict[str, Route]] = {}
        templated: dict[str, dict[str, Route]] = {}
        for route in routes:
            template = route.operation.path
            table = self._literal if "{" not in template else templated
            table.setdefault(template, {})[route.operation.method.upper()] = route
        ordered = sorted(templated.items(), key=lambda item: item[0].count("{"))
        self._templated = [(compile_template(template), methods) for template, methods in ordered]

    def match(self, path: str, method: str) -> tuple[Route, dict[str, str]]:
        """The route and raw path parameters; ApiError 404 or 405 when there is none."""
        allowed: set[str] = set()
        methods = self._literal.get(path)
        if methods is not None:
            route = methods.get(method)
            if route is not None:
                return route, {}
            # a literal segment (``backupnow``) is never read as a parameter value
            raise _method_not_allowed(method, set(methods))
        for pattern, methods in self._templated:
            found = pattern.match(path)
            if found is None:
                continue
            route = methods.get(method)
            if route is not None:
                return route, found.groupdict()
            allowed.update(methods)
        if allowed:
            raise _method_not_allowed(method, allowed)
        raise ApiError(404, f"No endpoint {method} /api{path}")


def _method_not_allowed(method: str, allowed: set[str]) -> ApiError:
    """405 with the ``Allow`` header RFC 9110 requires."""
    allow = ", ".join(sorted(allowed)).encode()
    return ApiError(405, f"Request method '{method}' is not supported", ((b"allow", allow),))
