"""The documented rule that ``+ . % &`` must not appear in a REST URL, and its exemptions.

The rule comes from the page on the Swagger UI. The documentation itself needs an exemption:
audit log files are named ``audit.log`` and ``audit-2022-12-15-16-28-01.log.gz`` and are
fetched by name (``GET /4.1/audit/logs/{filename}``), so the contract marks that parameter
with ``x-scv-allowed-characters: .``; everywhere else the characters are refused with 400.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from conformance.contract.spec import Contract, Operation
from conformance.emulator.routing import compile_template

FORBIDDEN_CHARS = "+.%&"


class UrlRule:
    """Finds a forbidden character in a request path, minding the contract's exemptions."""

    def __init__(self, contract: Contract, operations: Iterable[Operation]) -> None:
        self._exempt: list[tuple[re.Pattern[str], dict[str, str]]] = []
        for operation in operations:
            allowed = {
                p["name"]: str(p["x-scv-allowed-characters"])
                for p in contract.parameters(operation)
                if p.get("in") == "path" and "x-scv-allowed-characters" in p
            }
            if allowed:
                self._exempt.append((compile_template(operation.path), allowed))

    def violation(self, version: str, rest: str) -> str | None:
        """The first forbidden character below the version segment (raw path), or None.

        ``version`` is the API version segment (``4.1``), the one place a dot belongs.
        """
        path = f"/{version}/{rest}"
        for char in FORBIDDEN_CHARS:
            if char in rest and not self._exempted(char, path, len(version) + 2):
                return char
        return None

    def _exempted(self, char: str, path: str, offset: int) -> bool:
        for pattern, allowed in self._exempt:
            found = pattern.match(path)
            if found is None:
                continue
            remaining = path
            for name, chars in sorted(allowed.items(), key=lambda i: -found.start(i[0])):
                if char in chars:
                    start, end = found.span(name)
                    remaining = remaining[:start] + remaining[end:]
            if char not in remaining[offset:]:
                return True
        return False
