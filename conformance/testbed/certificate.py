"""certificate.json of a ``certify-client`` bundle: which integration, which matrix, which
verdicts, by which harness and contract.

The integration is named by its command line and the SHA-256 of every file that command
line names (the program and, say, the script it runs), so that the certificate speaks of
exactly the code that ran. It proves what that code sent through the proxy and how it
ended in each cell, against the emulator; it proves nothing about a real appliance or about
code paths the command did not take.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.certify.manifest import file_sha256
from conformance.contract.spec import Contract

FORMAT = 1
FILE_NAME = "certificate.json"
KIND = "client"


def command_files(argv: Sequence[str]) -> list[dict[str, str]]:
    """The files the command line names, with their SHA-256 (its program first)."""
    files = []
    for argument in argv:
        path = Path(argument)
        if path.is_file():
            files.append({"path": argument, "sha256": file_sha256(path)})
    return files


def build_certificate(
    summary: dict[str, Any], argv: Sequence[str], contract: Contract
) -> dict[str, Any]:
    """The certificate of a finished matrix, from its summary."""
    return {
        "format": FORMAT,
        "kind": KIND,
        "integration": {
            "command": list(summary.get("command") or []),
            "files": command_files(argv),
        },
        "appliance": {"embeddedEmulator": True, "proxy": True},
        "contract": {
            "path": contract.path.name,
            "version": contract.version,
            "sha256": contract.sha256,
        },
        "harness": {"name": "scv-conformance", "version": __version__},
        "matrix": {
            "releases": summary.get("releases"),
            "conditions": summary.get("conditions"),
        },
        "strict": summary.get("strict"),
        "startTime": summary.get("startTime"),
        "endTime": summary.get("endTime"),
        "result": summary.get("status"),
        "exitCode": summary.get("exitCode"),
        "totals": summary.get("totals"),
        "cells": [
            {
                "name": cell["name"],
                "release": cell["release"],
                "condition": cell["condition"],
                "status": cell["status"],
                "reasons": cell["reasons"],
                "requests": cell["requests"],
                "deviations": len(cell["deviations"]),
            }
            for cell in summary.get("cells", [])
        ],
    }
