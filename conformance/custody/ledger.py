"""What the run created and has not undone yet, written down as it happens.

A workflow's cleanup step becomes *owed* once a state-changing call of the workflow has
been sent, with the values it will clean up with (what the creating steps returned); it is
*settled* when the cleanup step succeeds. A state-changing call is owed until its answer
arrives. Each change is one JSON line
appended to ``cleanup-ledger.jsonl`` in the run folder, so what is owed survives even a
killed test process, and the run's report lists exactly what was left behind. Fuzzing
owes the items it creates the same way (workflowId ``fuzzing``), each with ``undo``: the
request that removes it, which the parent sends once the test processes have ended
(:mod:`conformance.custody.putback`).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

LEDGER_NAME = "cleanup-ledger.jsonl"


class Ledger:
    """Appends ``owed`` and ``settled`` lines to a file (or only remembers, without one)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._owed: dict[tuple[str, str], str] = {}

    def owe(
        self, workflow_id: str, key: str, request: str, undo: dict[str, Any] | None = None
    ) -> None:
        """Note a cleanup owed (again, when what it would undo has become more precise);
        ``undo``: the request that settles it, for whoever settles it later."""
        if self._owed.get((workflow_id, key)) == request:
            return
        self._owed[(workflow_id, key)] = request
        self._write("owed", workflow_id, key, request, undo)

    def adopt(self, entries: list[dict[str, Any]]) -> None:
        """Take over cleanups another process owed (``leftovers`` entries), to settle them."""
        for entry in entries:
            self._owed[(str(entry["workflowId"]), str(entry["cleanupStep"]))] = str(
                entry["request"]
            )

    def settle(self, workflow_id: str, key: str) -> None:
        request = self._owed.pop((workflow_id, key), None)
        if request is not None:
            self._write("settled", workflow_id, key, request)

    def outstanding(self) -> list[dict[str, str]]:
        """The cleanups owed and not settled, as the interruption report lists them."""
        return [
            {"workflowId": wf, "cleanupStep": key, "request": request}
            for (wf, key), request in self._owed.items()
        ]

    def _write(
        self,
        event: str,
        workflow_id: str,
        key: str,
        request: str,
        undo: dict[str, Any] | None = None,
    ) -> None:
        if self.path is None:
            return
        entry: dict[str, Any] = {
            "event": event,
            "workflowId": workflow_id,
            "cleanupStep": key,
            "request": request,
        }
        if undo is not None:
            entry["undo"] = undo
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            # one write per line with O_APPEND: lines of parallel processes do not mix
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)


def leftovers(run_dir: Path) -> list[dict[str, Any]]:
    """Every cleanup owed in ``run_dir``'s ledger and never settled, in the order owed."""
    path = run_dir / LEDGER_NAME
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    owed: dict[tuple[str, str], dict[str, Any]] = {}
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
