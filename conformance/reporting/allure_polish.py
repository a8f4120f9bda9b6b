"""A last pass over a run's Allure results, before anything reads them.

- A fuzzing check's result gets the start and stop of its own cases (the engine judged
  every check of an operation at once; the item only read the verdict), from the
  ``scv.start``/``scv.stop`` labels the child left, which then go.
- A label that appears twice with the same value appears once.
- A message does not start with a Python class name (``conformance.core.errors.
  InfrastructureError: ...``): people read the sentence, categories match it.
- A deviation that passed its test (``scv.verdict`` = deviation) gets its text as the
  message, tagged ``[deviation]``: the report shows what deviated instead of "No message",
  and Allure 2's category (which matches messages only) finds it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conformance.contract import deviation
from conformance.core.item_keys import LABEL_PREFIX, TIME_SPAN
from conformance.reporting.atomic import write_json

#: ``package.module.SomeError: `` or ``AssertionError: `` at the start of a message.
_CLASS_PREFIX = re.compile(
    r"^(?:[a-z_][\w]*\.)*(?:[A-Z]\w*(?:Error|Exception|Failure|Warning|Unreachable)|Failed): "
)


def clean_message(message: str) -> str:
    """``message`` without a leading exception class name."""
    return _CLASS_PREFIX.sub("", message, count=1)


def polish(results_dir: Path) -> int:
    """Polish every ``*-result.json`` under ``results_dir``; returns the files changed."""
    changed = 0
    for path in sorted(results_dir.glob("*-result.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and polish_result(data):
            # a reader sees the old result or the new one; the old was never fsynced either
            write_json(path, data, durable=False)
            changed += 1
    return changed


def polish_result(data: dict[str, Any]) -> bool:
    """Polish one result in place; True when something changed."""
    before = json.dumps(data, sort_keys=True)
    labels: list[dict[str, Any]] = [
        label for label in data.get("labels") or [] if isinstance(label, dict)
    ]
    span = {}
    kept: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for label in labels:
        name, value = str(label.get("name")), str(label.get("value"))
        if name in {LABEL_PREFIX + t for t in TIME_SPAN}:
            span[name.removeprefix(LABEL_PREFIX)] = value
            continue
        if (name, value) in seen:
            continue
        seen.add((name, value))
        kept.append(label)
    data["labels"] = kept
    start, stop = span.get(TIME_SPAN[0]), span.get(TIME_SPAN[1])
    if start and stop and start.isdigit() and stop.isdigit() and int(start) <= int(stop):
        data["start"], data["stop"] = int(start), int(stop)
    details = data.get("statusDetails")
    if isinstance(details, dict) and isinstance(details.get("message"), str):
        details["message"] = clean_message(details["message"])
    _give_deviation_its_message(data, kept)
    return json.dumps(data, sort_keys=True) != before


def _give_deviation_its_message(data: dict[str, Any], labels: list[dict[str, Any]]) -> None:
    """A deviating result without a message gets the deviation's text as one."""
    values = {str(label.get("name")): str(label.get("value")) for label in labels}
    if values.get(LABEL_PREFIX + deviation.VERDICT_PROPERTY) != deviation.DEVIATION:
        return
    text = values.get(LABEL_PREFIX + deviation.MESSAGE_PROPERTY)
    details = data.get("statusDetails")
    if not text or (isinstance(details, dict) and details.get("message")):
        return
    details = details if isinstance(details, dict) else {}
    details["message"] = deviation.tagged(text)
    data["statusDetails"] = details
