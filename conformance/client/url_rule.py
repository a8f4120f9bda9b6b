"""The documented URL rule, judged on what a client sends: no ``+ . % &`` in a path
segment below the API version.

The version segment (``4.1``) is the one place a dot belongs, and the contract exempts a
parameter with ``x-scv-allowed-characters`` (audit log files are fetched by their names,
``audit.log``). A percent sign is the start of any percent-encoding: a client that has to
encode a character in a path has sent one the rule forbids.
"""

from __future__ import annotations

from conformance.contract.spec import Contract, Operation

FORBIDDEN_CHARS = "+.%&"
ALLOWED_EXTENSION = "x-scv-allowed-characters"


class UrlRule:
    """Finds the forbidden characters of a raw request path, minding exemptions."""

    def __init__(self, contract: Contract, base: str) -> None:
        self.base = base
        self._allowed: dict[str, dict[str, str]] = {}
        for operation in contract.operations:
            allowed = {
                str(p["name"]): str(p[ALLOWED_EXTENSION])
                for p in contract.parameters(operation)
                if p.get("in") == "path" and ALLOWED_EXTENSION in p
            }
            if allowed:
                self._allowed[operation.operation_id] = allowed

    def violation(self, raw_path: str, operation: Operation | None) -> str | None:
        """The forbidden characters of ``raw_path`` (below ``/api/<version>/``), or None."""
        below = raw_path[len(self.base) :] if raw_path.startswith(self.base) else raw_path
        segments = below.strip("/").split("/")[1:]  # the version segment is exempt
        template = operation.path.strip("/").split("/")[1:] if operation else []
        allowed = self._allowed.get(operation.operation_id, {}) if operation else {}
        found = []
        for position, segment in enumerate(segments):
            exempt = ""
            if position < len(template) and template[position].startswith("{"):
                exempt = allowed.get(template[position].strip("{}"), "")
            found += [c for c in FORBIDDEN_CHARS if c in segment and c not in exempt]
        unique = "".join(dict.fromkeys(found))
        return unique or None
