"""What the proxy of a cell made of the integration's traffic.

The proxy's summary lists the client's ``failures`` and ``deviations`` (each naming the
``operationId`` and the ``rule``); they judge the integration. What it found in the
emulator's answers (``appliance``) says nothing about the integration: it is kept beside
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.testbed.cell import Traffic

UNREACHABLE = "unreachable"


def traffic_of(summary: Mapping[str, Any], folder: Path | None = None) -> Traffic:
    """The verdict of the proxy's ``summary`` (its summary.json document)."""
    found = summary.get("appliance")
    appliance: Mapping[str, Any] = found if isinstance(found, dict) else {}
    error = summary.get("error") if summary.get("status") == UNREACHABLE else None
    requests = summary.get("requests")
    return Traffic(
        requests=requests if isinstance(requests, int) else 0,
        failures=tuple(_listed(summary, "failures")),
        deviations=tuple(_listed(summary, "deviations")),
        appliance=(*_listed(appliance, "failures"), *_listed(appliance, "deviations")),
        folder=folder,
        error=f"the proxy could not reach the emulator: {error}" if error else None,
    )


def _listed(summary: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = summary.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
