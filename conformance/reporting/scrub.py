"""A last pass over a run folder: no secret survives in any file, in any form.

Files are read in chunks, so a large log or attachment is scrubbed too without being
loaded whole; a chunk keeps the tail of the one before, so a secret cut in two by a chunk
boundary is still found.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from conformance.http.redaction import REDACTED, replaceable_forms

CHUNK_BYTES = 1024 * 1024


def scrub(run_dir: Path, secrets: Iterable[str]) -> int:
    """Replace every secret in the files under ``run_dir``; returns files changed."""
    forms = [form.encode("utf-8") for form in replaceable_forms(secrets)]
    if not forms:
        return 0
    changed = 0
    for path in sorted(run_dir.rglob("*")):
        if path.is_file() and not path.is_symlink() and scrub_file(path, forms):
            changed += 1
    return changed


def scrub_file(path: Path, forms: list[bytes]) -> bool:
    """Scrub one file in place (through a temporary file); True when something changed."""
    overlap = max(len(form) for form in forms) - 1
    replacement = REDACTED.encode("utf-8")
    temporary = path.with_name(f".{path.name}.scrub{os.getpid()}")
    changed = False
    try:
        with open(path, "rb") as source, open(temporary, "wb") as target:
            carry = b""
            while True:
                chunk = source.read(CHUNK_BYTES)
                buffer = carry + chunk
                for form in forms:
                    if form in buffer:
                        buffer = buffer.replace(form, replacement)
                        changed = True
                if not chunk:
                    target.write(buffer)
                    break
                cut = max(len(buffer) - overlap, 0)
                target.write(buffer[:cut])
                carry = buffer[cut:]
        if changed:
            os.chmod(temporary, path.stat().st_mode & 0o777)
            os.replace(temporary, path)
    except OSError:
        return False
    finally:
        if temporary.exists():
            temporary.unlink()
    return changed
