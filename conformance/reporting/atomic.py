"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Permissions of written files: what a plain ``open()`` would give.
FILE_MODE = 0o666 & ~_umask()


def write_text(path: Path, text: str, *, durable: bool = True) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename."""
    with open_atomic(path, durable=durable) as handle:
        handle.write(text)


def write_json(path: Path, value: Any, *, durable: bool = True) -> None:
    """Write ``value`` as indented JSON, atomically."""
    write_text(path, json.dumps(value, indent=2, ensure_ascii=False) + "\n", durable=durable)


@contextlib.contextmanager
def open_atomic(path: Path, *, durable: bool = True) -> Iterator[IO[str]]:
    """A text file to stream into; it replaces ``path`` only once the block ends well.

    ``durable``: on the disk before the rename (``fsync``), so that even a machine that
    stops keeps the old file or the new one; False where what is replaced was itself
    written without it (a test result rewritten in place), where it only costs time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
