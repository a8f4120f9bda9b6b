"""Secrets the test process is issued (tokens, vCenter session ids), for the parent's scrub.

The parent makes a private file (mode 0600, in a folder only its user may enter) and names
it in :data:`ISSUED_VARIABLE` for the test process; every client appends each token or
session id it receives. At the end the parent reads them, scrubs the run folder of them
(beside the passwords it knows) and removes the file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

from conformance.http.redaction import know

ISSUED_VARIABLE = "SCV_CONFORMANCE_ISSUED"
_LOCK = threading.Lock()


def note(secret: str) -> None:
    """Record ``secret`` for the parent's scrub (when the parent asked for it), and keep it
    out of every message this process cuts short."""
    know([secret])
    path = os.environ.get(ISSUED_VARIABLE)
    if not path or not secret or "\n" in secret:
        return
    with _LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (secret + "\n").encode("utf-8"))
        finally:
            os.close(fd)


class IssuedSecrets:
    """The parent's side: a private file for the test processes, read at the end."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="scv-issued-"))  # mode 0700
        self.path = self._folder / "issued"
        self.path.touch(mode=0o600)

    def variables(self) -> dict[str, str]:
        return {ISSUED_VARIABLE: str(self.path)}

    def read(self) -> list[str]:
        try:
            return [ln for ln in self.path.read_text(encoding="utf-8").splitlines() if ln]
        except OSError:
            return []

    def close(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)
