"""What the workflows created and have not undone yet, written down as it happens.

A workflow's cleanup step becomes *owed* once a state-changing call of the workflow has
been sent and the cleanup step's request can be built (it names what the creating step
returned); it is *settled* when the cleanup step succeeds. Each change is one JSON line
appended to ``cleanup-ledger.jsonl`` in the run folder, so what is owed survives even a
killed test process, and the run's report lists exactly what was left behind.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LEDGER_NAME = "cleanup-ledger.jsonl"


@dataclass(frozen=True)
class Debt:
    """One cleanup owed: which workflow, which cleanup step, the request that settles it."""

    workflow_id: str
    step_id: str
    request: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.workflow_id, self.step_id)

    def as_dict(self) -> dict[str, str]:
        return {
            "workflowId": self.workflow_id,
            "cleanupStep": self.step_id,
            "request": self.request,
        }


class Ledger:
    """Appends ``owed`` and ``settled`` lines to a file (or only remembers, without one)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._owed: dict[tuple[str, str], Debt] = {}

    def owe(self, debt: Debt) -> None:
        if debt.key in self._owed:
            return
        self._owed[debt.key] = debt
        self._write({"event": "owed", **debt.as_dict()})

    def settle(self, workflow_id: str, step_id: str) -> None:
        debt = self._owed.pop((workflow_id, step_id), None)
        if debt is not None:
            self._write({"event": "settled", **debt.as_dict()})

    def owes(self, workflow_id: str, step_id: str) -> bool:
        return (workflow_id, step_id) in self._owed

    def outstanding(self) -> list[Debt]:
        return list(self._owed.values())

    def _write(self, entry: dict[str, Any]) -> None:
        if self.path is None:
            return
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            # one write per line with O_APPEND: lines of parallel processes do not mix
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)


def leftovers(run_dir: Path) -> list[dict[str, str]]:
    """Every cleanup owed in ``run_dir``'s ledger and never settled, in the order owed."""
    path = run_dir / LEDGER_NAME
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    owed: dict[tuple[str, str], dict[str, str]] = {}
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short by a killed process
        key = (str(entry.get("workflowId")), str(entry.get("cleanupStep")))
        if entry.get("event") == "owed":
            owed[key] = {k: v for k, v in entry.items() if k != "event"}
        elif entry.get("event") == "settled":
            owed.pop(key, None)
    return list(owed.values())
