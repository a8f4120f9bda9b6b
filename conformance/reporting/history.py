"""Keeping ``reports/history.jsonl`` small: only what the trends and the per-test history
of the Allure report read.

Allure appends one line per report with every test's name, labels, message and trace
(about 1 MB for a full run). The trends need a test's status and duration by its history
id, the History tab its time (Allure 3 dates an earlier result by its ``stop``, else
``start`` + ``duration``; without them it says "Unknown date"), and the run's known test
case ids (to tell new tests); the rest goes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.reporting.atomic import write_text

#: What a run keeps: its identity, time, known tests and metrics.
RUN_FIELDS = ("uuid", "name", "timestamp", "knownTestCaseIds", "testResults", "metrics", "url")
#: What a test keeps in a run's line.
TEST_FIELDS = ("historyId", "status", "start", "stop", "duration")


def trim_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """One history line with only the fields the trends need."""
    trimmed = {key: entry[key] for key in RUN_FIELDS if key in entry}
    tests = entry.get("testResults") or {}
    trimmed["testResults"] = {
        key: {name: value[name] for name in TEST_FIELDS if name in value}
        for key, value in tests.items()
        if isinstance(value, dict)
    }
    return trimmed


def trim_history(path: Path) -> None:
    """Rewrite the history file at ``path`` with every line trimmed (unreadable lines go)."""
    if not path.exists():
        return
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if isinstance(entry, dict):
            lines.append(json.dumps(trim_entry(entry), separators=(",", ":")))
    write_text(path, "".join(line + "\n" for line in lines))
