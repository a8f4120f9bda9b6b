"""Which operation of the contract a method and URL call: path templating, offline."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from conformance.contract.spec import Contract, Operation

_PARAMETER = re.compile(r"\{[^}/]+\}")


def server_path(contract: Contract) -> str:
    """The path of the contract's first server (``/api``), without a trailing slash."""
    servers = contract.document.get("servers") or [{"url": "/"}]
    return urlsplit(str(servers[0].get("url", "/"))).path.rstrip("/")


class OperationMatcher:
    """Matches ``GET https://host:8144/api/4.1/policies/3`` to ``getPolicy``.

    A URL matches an operation when its path ends with the server path (``/api``) and the
    operation's path template; literal templates win over templated ones
    (``/resource-groups/backupnow`` over ``/resource-groups/{id}``).
    """

    def __init__(self, contract: Contract) -> None:
        base = re.escape(server_path(contract))
        routes = []
        for operation in contract.operations:
            pieces = _PARAMETER.split(operation.path)
            pattern = "[^/]+".join(re.escape(p) for p in pieces)
            literal = len(_PARAMETER.sub("", operation.path))
            routes.append((-literal, operation, re.compile(f"^(?:.*){base}{pattern}/?$")))
        routes.sort(key=lambda r: r[0])
        self._routes = [(op, regex) for _, op, regex in routes]

    def operation(self, method: str, url: str) -> Operation | None:
        path = urlsplit(url).path
        method = method.lower()
        for operation, regex in self._routes:
            if operation.method == method and regex.match(path):
                return operation
        return None

    def __call__(self, method: str, url: str) -> str | None:
        """The operationId called, or None."""
        operation = self.operation(method, url)
        return operation.operation_id if operation else None


_TEMPLATE = re.compile(r"\{[^}]*\}")


def base_path(document: Mapping[str, Any]) -> str:
    """The path every operation's path is below (``servers[0]`` or ``basePath``)."""
    if "swagger" in document:
        raw = str(document.get("basePath") or "")
    else:
        servers = document.get("servers") or [{}]
        url = str(servers[0].get("url") or "") if isinstance(servers[0], dict) else ""
        raw = urlsplit(url).path if "://" in url else url
    raw = _TEMPLATE.sub("", raw)
    return "/" + raw.strip("/") if raw.strip("/") else ""
