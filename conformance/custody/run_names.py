"""Names of what a run creates carry the run's id, so runs against one appliance never collide.

Workflows name what they create in their inputs' defaults (``scv-conformance-rg-create``);
a run puts its id after the prefix (``scv-conformance-3f9a1c-rg-create``). Secret inputs
(passwords) and inputs the run sets itself are left alone.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from conformance.http.redaction import is_secret_field

PREFIX = "scv-conformance"
#: A name this scheme made: the prefix, a run id (three bytes in hex), the rest.
_RUN_NAME = re.compile(rf"^{PREFIX}-(?P<run_id>[0-9a-f]{{6}})-")


def new_run_id() -> str:
    """A short id that sets one run's resources apart from another's."""
    return secrets.token_hex(3)


def run_id_of(name: str) -> str | None:
    """The run id inside a name :func:`run_specific` made, or None for any other name."""
    found = _RUN_NAME.match(name)
    return found.group("run_id") if found else None


def run_specific(value: str, run_id: str) -> str:
    """``scv-conformance-x`` -> ``scv-conformance-<run_id>-x``; other values unchanged."""
    if not run_id or not value.startswith(PREFIX) or value.startswith(f"{PREFIX}-{run_id}"):
        return value
    rest = value[len(PREFIX) :]
    return f"{PREFIX}-{run_id}{rest}"


def named_defaults(schema: Mapping[str, Any], run_id: str) -> dict[str, str]:
    """The string defaults of a workflow's inputs that name something, made run-specific."""
    named = {}
    for name, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, dict) or is_secret_field(str(name)):
            continue
        default = spec.get("default")
        if isinstance(default, str) and default.startswith(PREFIX):
            named[str(name)] = run_specific(default, run_id)
    return named
