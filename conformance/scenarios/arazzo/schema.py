"""Validating documents against the pinned Arazzo 1.0 JSON Schema (a file fetched once)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

SCHEMA_SHA256 = "6a6ca511448570c4347315896f719f4f556d940b2ac14604beaa8825a6f0aecb"
FETCH_HINT = "run scripts/fetch-arazzo-schema.sh to fetch it"


class SchemaUnavailable(RuntimeError):
    """The Arazzo schema is missing or is not the pinned file."""


@lru_cache(maxsize=2)
def validator(path: Path) -> Draft202012Validator:
    """A validator for the pinned Arazzo 1.0 schema; SchemaUnavailable if it is absent."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SchemaUnavailable(
            f"the Arazzo 1.0 schema is missing at {path}; {FETCH_HINT}"
        ) from None
    if hashlib.sha256(raw).hexdigest() != SCHEMA_SHA256:
        raise SchemaUnavailable(f"{path} is not the pinned Arazzo 1.0 schema; {FETCH_HINT}")
    schema = json.loads(raw)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(document: Any, path: Path) -> list[str]:
    """Schema violations of ``document`` as ``pointer: message`` lines (best match first)."""
    check = validator(path)
    errors = list(check.iter_errors(document))
    if not errors:
        return []
    best = best_match(errors)
    lines = [f"/{'/'.join(map(str, best.absolute_path))}: {best.message}"]
    for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
        line = f"/{'/'.join(map(str, error.absolute_path))}: {error.message}"
        if line not in lines:
            lines.append(line)
    return lines
