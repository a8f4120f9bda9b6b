"""certificate.json: what was run, against what, by which harness, and every verdict."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from conformance import __version__

FORMAT = 1
FILE_NAME = "certificate.json"


def build_certificate(
    summary: dict[str, Any],
    identity: dict[str, Any],
    allow_destructive: bool,
    embedded: bool,
) -> dict[str, Any]:
    """The certificate of a finished run, from its summary and the appliance's identity."""
    contract = summary["contract"]
    return {
        "format": FORMAT,
        "appliance": {
            "target": summary.get("target"),
            "embeddedEmulator": embedded,
            "reportedVersion": summary.get("applianceVersion"),
            "reportedTitle": identity.get("title"),
            "openapiVersion": identity.get("version"),
            "tlsCertificateSha256": identity.get("tlsCertificateSha256"),
        },
        "contract": {
            "path": contract.get("path"),
            "version": contract.get("version"),
            "sha256": contract.get("sha256"),
        },
        "harness": {"name": "scv-conformance", "version": __version__},
        "profile": summary.get("profile"),
        "suites": summary.get("suites"),
        "seed": summary.get("seed"),
        "allowDestructive": allow_destructive,
        "startTime": summary.get("startTime"),
        "endTime": _end(summary.get("startTime"), summary.get("durationSeconds")),
        "result": summary.get("status"),
        "exitCode": summary.get("exitCode"),
        "totals": summary.get("totals"),
        "verdicts": {
            "operations": {
                op: entry.get("checks", {}) for op, entry in summary.get("operations", {}).items()
            },
            "workflows": summary.get("workflows", {}),
            "deviations": summary.get("deviations", []),
        },
        "error": summary.get("error"),
    }


def _end(start: str | None, duration: float | None) -> str | None:
    if not start or duration is None:
        return None
    try:
        began = datetime.fromisoformat(start)
    except ValueError:
        return None
    return (began + timedelta(seconds=float(duration))).isoformat(timespec="seconds")
