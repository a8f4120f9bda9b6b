"""Files the user names on the command line, read or refused with a one-line usage error.

Each error names the flag (or command) that named the file: ``--fleet: no such file: x``.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from conformance.core.errors import UsageError


def read_input(path: str | Path, flag: str) -> bytes:
    """The bytes of the file ``flag`` names; UsageError (``FLAG: no such file: PATH``,
    ``FLAG: cannot read PATH: why``) when there is none or it cannot be read."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{flag}: no such file: {path}") from None
    except OSError as exc:
        raise UsageError(f"{flag}: cannot read {path}: {exc.strerror or exc}") from None


def load_json(path: str | Path, flag: str) -> Any:
    """The JSON document in the file ``flag`` names; UsageError when it is none."""
    raw = read_input(path, flag)
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise UsageError(f"{flag}: {path} is not readable JSON: {exc}") from None


def load_toml(path: str | Path, flag: str) -> dict[str, Any]:
    """The TOML document in the file ``flag`` names; UsageError when it is none."""
    raw = read_input(path, flag)
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{flag}: {path} is not valid TOML: {exc}") from None
