"""A last pass over a run folder: no secret value survives in any file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from conformance.core.redaction import replace_secrets
from conformance.reporting.atomic import write_text

MAX_BYTES = 50 * 1024 * 1024


def scrub(run_dir: Path, secrets: Iterable[str]) -> int:
    """Replace every secret in the text files under ``run_dir``; returns files changed."""
    values = list(secrets)
    if not any(values):
        return 0
    changed = 0
    for path in run_dir.rglob("*"):
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        cleaned = replace_secrets(text, values)
        if cleaned != text:
            write_text(path, cleaned)
            changed += 1
    return changed
