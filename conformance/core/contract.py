"""The contract: loading `specs/scv.openapi.yaml`, looking up operations, gating by release."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from conformance.core.errors import UsageError
from conformance.core.paths import CONTRACT_PATH

SPEC_PATH = CONTRACT_PATH
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
LATEST_RELEASE = "6.2"


def release_key(version: str) -> tuple[int, ...]:
    """Turn an appliance release such as ``4.10`` into a comparable tuple ``(4, 10)``."""
    try:
        return tuple(int(part) for part in str(version).split("."))
    except ValueError as exc:
        raise ValueError(f"not an appliance release: {version!r} (expected e.g. 4.5)") from exc


@dataclass(frozen=True)
class Operation:
    """One operation of the contract."""

    operation_id: str
    method: str
    path: str
    since: str
    evidence: str
    definition: dict[str, Any]

    @property
    def mutates(self) -> bool:
        """True when the operation changes or destroys appliance state."""
        return self.method != "get" and self.operation_id != "login"

    def available_in(self, release: str) -> bool:
        """True when appliance ``release`` ships this operation."""
        return release_key(self.since) <= release_key(release)


@dataclass(frozen=True, eq=False)
class Contract:
    """The parsed contract with its operations in document order."""

    path: Path
    document: dict[str, Any]
    sha256: str
    operations: tuple[Operation, ...]

    @property
    def version(self) -> str:
        return str(self.document["info"]["version"])

    def operation(self, operation_id: str) -> Operation:
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(f"no operation {operation_id!r} in {self.path.name}")

    def parameters(self, operation: Operation) -> list[dict[str, Any]]:
        """The parameters of ``operation``: its path's and its own (which win), ``$ref``s
        to ``#/components/parameters`` resolved."""
        item = self.document["paths"].get(operation.path) or {}
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [
            *(item.get("parameters") or []),
            *(operation.definition.get("parameters") or []),
        ]:
            parameter = self._resolve(raw)
            found[(str(parameter.get("in")), str(parameter.get("name")))] = parameter
        return list(found.values())

    def _resolve(self, value: dict[str, Any]) -> dict[str, Any]:
        reference = value.get("$ref") if isinstance(value, dict) else None
        if not isinstance(reference, str) or not reference.startswith("#/"):
            return value
        target: Any = self.document
        for part in reference[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return self._resolve(target) if isinstance(target, dict) else {}

    def operation_ids(self) -> list[str]:
        return [op.operation_id for op in self.operations]

    def available(self, release: str) -> list[Operation]:
        """Operations that appliance ``release`` ships."""
        return [op for op in self.operations if op.available_in(release)]


def _operations(document: dict[str, Any]) -> tuple[Operation, ...]:
    ops = []
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            definition = item.get(method)
            if definition is None:
                continue
            ops.append(
                Operation(
                    operation_id=definition["operationId"],
                    method=method,
                    path=path,
                    since=str(definition["x-scv-since"]),
                    evidence=str(definition["x-evidence"]),
                    definition=definition,
                )
            )
    return tuple(ops)


@lru_cache(maxsize=8)
def load_contract(path: Path = SPEC_PATH) -> Contract:
    """Read and parse the contract at ``path`` (cached)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(
            f"no contract at {path}: reinstall scv-conformance (pip install -e . in a clone "
            "of its repository, or pip install of its wheel)"
        ) from None
    document = yaml.safe_load(raw)
    return Contract(
        path=Path(path),
        document=document,
        sha256=hashlib.sha256(raw).hexdigest(),
        operations=_operations(document),
    )
