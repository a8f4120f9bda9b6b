"""The contract: loading `specs/scv.openapi.yaml`, looking up operations, gating by release."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from conformance.contract.overlay import apply_overlays, read_overlay
from conformance.contract.pointers import dereference
from conformance.core.errors import UsageError
from conformance.core.paths import CONTRACT_PATH

SPEC_PATH = CONTRACT_PATH
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
LATEST_RELEASE = "6.2"


def resource_of(path: str) -> str:
    """The resource a path of the contract belongs to: its first segment after the
    version (``/4.1/vm/{moref}/attachvmdks`` belongs to ``vm``), or its first segment when
    it has none (``/backup/{backupId}/cleanup`` belongs to ``backup``, as its prefixed
    alternative does). Changes of one resource must not overlap; of two, they may."""
    segments = [part for part in path.split("/") if part]
    if segments and segments[0][:1].isdigit():
        segments = segments[1:]
    return segments[0] if segments else path


def release_key(version: str) -> tuple[int, ...]:
    """Turn an appliance release such as ``4.10`` into a comparable tuple ``(4, 10)``."""
    try:
        return tuple(int(part) for part in str(version).split("."))
    except ValueError as exc:
        raise ValueError(f"not an appliance release: {version!r} (expected e.g. 4.5)") from exc


@dataclass(frozen=True)
class BusinessRule:
    """A documented or assumed rule on a schema-valid request (``x-scv-business-rules``).

    JSON Schema cannot express it; the appliance refuses a request that breaks it with
    ``status``, naming the rule.
    """

    status: str
    rule: str
    evidence: str
    source: str | None = None


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
    def alternative_of(self) -> str | None:
        """The operation this one is an alternative spelling of (``x-scv-alternative-of``).

        The vendor's pages name some paths two ways; an appliance serves one or both.
        """
        other = self.definition.get("x-scv-alternative-of")
        return str(other) if other else None

    @property
    def business_rules(self) -> tuple[BusinessRule, ...]:
        """The rules a schema-valid request may still break, from ``x-scv-business-rules``."""
        return tuple(
            BusinessRule(
                status=str(raw["status"]),
                rule=" ".join(str(raw["rule"]).split()),
                evidence=str(raw["x-evidence"]),
                source=raw.get("x-evidence-source"),
            )
            for raw in self.definition.get("x-scv-business-rules", [])
        )

    @property
    def unconfined(self) -> str | None:
        """Why a run cannot confine this operation's change to what it created
        (``x-scv-unconfined``): fuzzing leaves it out against a real appliance, and only a
        workflow that reads first and puts back calls it there."""
        reason = self.definition.get("x-scv-unconfined")
        return " ".join(str(reason).split()) if reason else None

    @property
    def resource(self) -> str:
        """The resource this operation reads or changes (:func:`resource_of` its path)."""
        return resource_of(self.path)

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
    #: The overlays applied to the file, in order, and their targets that selected nothing.
    overlays: tuple[Path, ...] = ()
    unmatched_targets: tuple[str, ...] = ()

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
            parameter = dereference(self.document, raw, {})
            found[(str(parameter.get("in")), str(parameter.get("name")))] = parameter
        return list(found.values())

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
def load_contract(path: Path = SPEC_PATH, overlays: tuple[Path, ...] = ()) -> Contract:
    """Read and parse the contract at ``path``, then apply ``overlays`` in order (cached).

    With overlays, ``sha256`` covers the contract and every overlay, so that a report
    names the description that was really checked.
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(
            f"no contract at {path}: reinstall scv-conformance (pip install -e . in a clone "
            "of its repository, or pip install of its wheel)"
        ) from None
    # libyaml's parser when PyYAML has it: the same document, fifteen times faster
    document = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    digest = hashlib.sha256(raw)
    unmatched: tuple[str, ...] = ()
    if overlays:
        read = [read_overlay(overlay) for overlay in overlays]
        for overlay in read:
            digest.update(overlay.raw)
        applied = apply_overlays(document, read)
        document, unmatched = applied.document, applied.unmatched
    return Contract(
        path=Path(path),
        document=document,
        sha256=digest.hexdigest(),
        operations=_operations(document),
        overlays=tuple(Path(o) for o in overlays),
        unmatched_targets=unmatched,
    )
