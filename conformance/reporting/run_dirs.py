"""Run folders: ``REPORT_DIR/<UTC timestamp>/``, one per run, never reused."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from conformance.core.errors import UsageError

TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
RUN_NAME = re.compile(r"^\d{8}T\d{6}Z(?:-\d+)?$")


def new_run_dir(report_dir: Path, started: datetime) -> Path:
    """Create and return a fresh folder named after ``started`` (UTC)."""
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--report-dir: cannot create {report_dir}: {exc.strerror}") from None
    stamp = started.strftime(TIMESTAMP_FORMAT)
    for attempt in range(1, 1000):
        candidate = report_dir / (stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise UsageError(
                f"--report-dir: cannot write in {report_dir}: {exc.strerror}"
            ) from None
        return candidate
    raise UsageError(f"--report-dir: too many runs named {stamp} in {report_dir}")


def _order(path: Path) -> tuple[str, int]:
    stamp, _, attempt = path.name.partition("-")
    return stamp, int(attempt or 1)


def latest_run_dir(report_dir: Path) -> Path | None:
    """The newest run folder under ``report_dir``, or None."""
    if not report_dir.is_dir():
        return None
    runs = [p for p in report_dir.iterdir() if p.is_dir() and RUN_NAME.match(p.name)]
    return max(runs, key=_order) if runs else None
