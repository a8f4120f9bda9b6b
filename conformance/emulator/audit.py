"""Audit log files: one file per day, JSON lines, sha256 integrity.

The appliance records a file's sha256 on every append; verification recomputes it from
the content, so only a change made behind the appliance's back shows as TAMPERED.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from conformance.emulator.clock import iso
from conformance.emulator.model import AuditFile


def file_name(moment: datetime) -> str:
    """The audit file that entries of ``moment``'s day go to (no dots: URL-safe)."""
    return f"audit-{moment:%Y%m%d}"


class AuditLog:
    """The appliance's audit log files, newest last."""

    def __init__(self) -> None:
        self.files: dict[str, AuditFile] = {}

    def append(
        self, now: datetime, user: str, operation: str, resource: str | None, result: str
    ) -> None:
        """Add one entry to today's file, creating it when needed."""
        entry = {
            "timestamp": iso(now),
            "user": user,
            "operation": operation,
            "resource": resource,
            "result": result,
        }
        name = file_name(now)
        audit_file = self.files.get(name)
        if audit_file is None:
            audit_file = AuditFile(name, now, now, bytearray(), hashlib.sha256().hexdigest())
            self.files[name] = audit_file
        audit_file.entries.append(entry)
        audit_file.content += (json.dumps(entry, separators=(",", ":")) + "\n").encode()
        audit_file.sha256 = hashlib.sha256(audit_file.content).hexdigest()
        audit_file.modified = now

    def describe(self, audit_file: AuditFile) -> dict[str, Any]:
        """A file as ``getAuditLogs`` lists it."""
        return {
            "fileName": audit_file.name,
            "sizeInBytes": len(audit_file.content),
            "createdTime": iso(audit_file.created),
            "lastModifiedTime": iso(audit_file.modified),
            "integrity": {
                "status": audit_file.status,
                "sha256": audit_file.sha256,
                "lastVerifiedTime": (
                    iso(audit_file.verified_time) if audit_file.verified_time else None
                ),
            },
        }

    def detail(self, audit_file: AuditFile) -> dict[str, Any]:
        """A file with its entries, as ``getAuditLog`` answers."""
        return {**self.describe(audit_file), "entries": list(audit_file.entries)}

    def verify(self, now: datetime) -> dict[str, Any]:
        """Recompute every file's sha256 and compare it with the recorded one."""
        results = []
        for audit_file in self.files.values():
            actual = hashlib.sha256(audit_file.content).hexdigest()
            status = "VERIFIED" if actual == audit_file.sha256 else "TAMPERED"
            audit_file.status = status
            audit_file.verified_time = now
            results.append({"fileName": audit_file.name, "status": status})
        return {
            "verified": all(r["status"] == "VERIFIED" for r in results),
            "verifiedTime": iso(now),
            "results": results,
        }
