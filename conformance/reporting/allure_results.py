"""Reading the Allure results of a run: the one source every count is derived from."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.contract import deviation
from conformance.core.item_keys import FUZZ, LABEL_PREFIX, NODEID_LABEL, SCENARIO, item_key

#: Allure status -> the status word of summary.json.
STATUS_WORDS = {"passed": "passed", "failed": "failed", "broken": "error", "skipped": "skipped"}


@dataclass(frozen=True)
class ResultRecord:
    """One test as Allure recorded it."""

    nodeid: str
    name: str
    status: str
    message: str
    labels: dict[str, str] = field(default_factory=dict)
    start_ms: int | None = None
    stop_ms: int | None = None

    @property
    def outcome(self) -> str:
        """passed, failed, error or skipped."""
        return STATUS_WORDS.get(self.status, "error")

    def label(self, name: str) -> str | None:
        return self.labels.get(LABEL_PREFIX + name)

    @property
    def deviation(self) -> bool:
        """The test found a deviation from our assumptions (passed, or failed if strict)."""
        return self.label(deviation.VERDICT_PROPERTY) == deviation.DEVIATION

    @property
    def suite(self) -> str:
        """fuzz or scenario (from the suite's own label, else from the node id)."""
        value = self.label("suite")
        if value in (FUZZ, SCENARIO):
            return value
        return item_key(self.nodeid).suite

    @property
    def subject(self) -> str:
        """The operationId or workflowId this test is about."""
        own = self.label("operationId") if self.suite == FUZZ else self.label("workflowId")
        return own or item_key(self.nodeid).name

    @property
    def check(self) -> str:
        """The check of a fuzzing test: its label, else the rest of the node id."""
        own = self.label("check")
        if own:
            return own
        parts = self.nodeid.split("::")
        return "::".join(parts[2:]) if len(parts) > 2 else self.name


def read_results(results_dir: Path) -> list[ResultRecord]:
    """Every ``*-result.json`` under ``results_dir``, sorted by node id."""
    results = []
    for path in sorted(results_dir.glob("*-result.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            results.append(_parse(data))
    return sorted(results, key=lambda r: (r.nodeid, r.name))


def _parse(data: dict[str, Any]) -> ResultRecord:
    labels: dict[str, str] = {}
    for label in data.get("labels") or []:
        if isinstance(label, dict) and "name" in label:
            labels.setdefault(str(label["name"]), str(label.get("value", "")))
    details = data.get("statusDetails") or {}
    name = str(data.get("name") or data.get("fullName") or "")
    return ResultRecord(
        nodeid=labels.get(NODEID_LABEL) or str(data.get("fullName") or name),
        name=name,
        status=str(data.get("status") or "unknown"),
        message=str(details.get("message") or "").strip(),
        labels=labels,
        start_ms=data.get("start"),
        stop_ms=data.get("stop"),
    )
