"""The MANIFEST of a bundle: the SHA-256 of every file, in ``sha256sum`` format.

One line per file, ``<hex digest>  <path relative to the bundle>``, sorted by path, so
``sha256sum -c MANIFEST`` checks a bundle without this tool. The MANIFEST and its
signature are the only files of a bundle it does not list.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "MANIFEST"
SIGNATURE = "MANIFEST.sig"
UNLISTED = frozenset({MANIFEST, SIGNATURE})
_LINE = re.compile(r"^([0-9a-f]{64})  (.+)$")
_CHUNK = 1024 * 1024


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def bundle_files(bundle: Path) -> list[str]:
    """Every file under ``bundle`` but the MANIFEST and its signature, as POSIX paths."""
    return sorted(
        path.relative_to(bundle).as_posix()
        for path in bundle.rglob("*")
        if (path.is_file() or path.is_symlink())
        and path.relative_to(bundle).as_posix() not in UNLISTED
    )


def manifest_text(bundle: Path) -> str:
    """The MANIFEST of ``bundle`` as it is now."""
    return "".join(f"{file_sha256(bundle / name)}  {name}\n" for name in bundle_files(bundle))


def write_manifest(bundle: Path) -> Path:
    """Write ``bundle/MANIFEST``; returns its path."""
    path = bundle / MANIFEST
    path.write_text(manifest_text(bundle), encoding="utf-8", newline="\n")
    return path


@dataclass(frozen=True)
class Problem:
    """One way a bundle differs from its MANIFEST."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def check_manifest(bundle: Path) -> tuple[int, list[Problem]]:
    """(files listed, problems): changed, missing, unlisted files and malformed lines."""
    text = (bundle / MANIFEST).read_text(encoding="utf-8", errors="replace")
    listed: dict[str, str] = {}
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.match(line)
        if match is None or match.group(2) in listed or ".." in match.group(2).split("/"):
            problems.append(Problem(MANIFEST, f"line {number} is not '<sha256>  <file>'"))
            continue
        listed[match.group(2)] = match.group(1)
    for name, expected in listed.items():
        path = bundle / name
        if path.is_symlink() or not path.is_file():
            problems.append(Problem(name, "missing"))
        elif file_sha256(path) != expected:
            problems.append(Problem(name, "changed (its SHA-256 differs from the MANIFEST)"))
    for name in bundle_files(bundle):
        if name not in listed:
            problems.append(Problem(name, "not in the MANIFEST (added after certification)"))
    return len(listed), problems
