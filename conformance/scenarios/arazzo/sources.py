"""The OpenAPI source descriptions a scenario document names, and their operations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

#: The operations of an OpenAPI path item.
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class SourceOperation:
    """One operation of a source description."""

    source: str
    operation_id: str
    method: str
    path: str


@dataclass(frozen=True)
class Source:
    """A parsed source description."""

    name: str
    url: str
    path: Path
    operations: dict[str, SourceOperation]
    security_schemes: dict[str, dict[str, Any]]


@lru_cache(maxsize=16)
def _read(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_source(name: str, url: str, base: Path) -> Source:
    """Read the OpenAPI document ``url`` (relative to ``base``) of source ``name``."""
    path = (base / url).resolve()
    document = _read(path)
    operations: dict[str, SourceOperation] = {}
    for template, item in (document.get("paths") or {}).items():
        for method in METHODS:
            definition = item.get(method)
            if not isinstance(definition, dict) or "operationId" not in definition:
                continue
            operations[definition["operationId"]] = SourceOperation(
                name, definition["operationId"], method.upper(), template
            )
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    return Source(name, url, path, operations, dict(schemes))
