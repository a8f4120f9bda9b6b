"""A last pass over a run folder: no secret survives in any file, in any form.

Files are read in chunks, so a large log or attachment is scrubbed too without being
loaded whole; a chunk keeps the tail of the one before, so a secret cut in two by a chunk
boundary is still found. Bytes that are not UTF-8 pass through unchanged, and text in
them is still searched.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from conformance.http.redaction import redactor
from conformance.http.redactor import Redactor

CHUNK_BYTES = 1024 * 1024


def scrub(run_dir: Path, secrets: Iterable[str]) -> int:
    """Replace every secret in the files under ``run_dir``; returns files changed."""
    matcher = redactor(frozenset(s for s in secrets if s))
    if not matcher:
        return 0
    changed = 0
    for path in sorted(run_dir.rglob("*")):
        if path.is_file() and not path.is_symlink() and scrub_file(path, matcher):
            changed += 1
    return changed


def scrub_file(path: Path, matcher: Redactor) -> bool:
    """Scrub one file in place (through a temporary file); True when something changed."""
    overlap = matcher.reach
    temporary = path.with_name(f".{path.name}.scrub{os.getpid()}")
    changed = False
    try:
        with open(path, "rb") as source, open(temporary, "wb") as target:
            carry = ""
            while True:
                chunk = source.read(CHUNK_BYTES)
                buffer = carry + chunk.decode("utf-8", "surrogateescape")
                redacted = matcher.redact(buffer)
                changed |= redacted != buffer
                if not chunk:
                    target.write(redacted.encode("utf-8", "surrogateescape"))
                    break
                cut = max(len(redacted) - overlap, 0)
                target.write(redacted[:cut].encode("utf-8", "surrogateescape"))
                carry = redacted[cut:]
        if changed:
            os.chmod(temporary, path.stat().st_mode & 0o777)
            os.replace(temporary, path)
    except OSError:
        return False
    finally:
        if temporary.exists():
            temporary.unlink()
    return changed
