"""Audit log files as the documentation names them, JSON lines, sha256 integrity.

Entries go to ``audit.log``, the active file. When a day ends the active file is rolled
over to ``audit-<yyyy-MM-dd-HH-mm-ss>.log.gz``, named after its creation time, and at most
``MAX_ROLLED`` rolled-over files are kept: older ones are deleted by retention and stay
listed as ``ROLLOVER DELETE``. The appliance records a file's sha256 on every append;
verification recomputes it, so only a change made behind the appliance's back shows, as
``TAMPERED`` (content changed) or ``UNEXPECTED DELETE`` (file gone).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from conformance.emulator.clock import iso
from conformance.emulator.model import AuditFile

ACTIVE_NAME = "audit.log"
#: The documented default: "A maximum of 10 audit log files are retained".
MAX_ROLLED = 10
ACTIVE, NORMAL, TAMPERED = "ACTIVE", "NORMAL", "TAMPERED"
ROLLOVER_DELETE, UNEXPECTED_DELETE = "ROLLOVER DELETE", "UNEXPECTED DELETE"
#: Statuses that mean nothing is wrong.
SOUND = (ACTIVE, NORMAL, ROLLOVER_DELETE)


def rolled_name(created: datetime) -> str:
    """The name a rolled-over file gets, after its creation time."""
    return f"audit-{created:%Y-%m-%d-%H-%M-%S}.log.gz"


class AuditLog:
    """The appliance's audit log files, newest last."""

    def __init__(self) -> None:
        self.files: dict[str, AuditFile] = {}

    def append(
        self, now: datetime, user: str, operation: str, resource: str | None, result: str
    ) -> None:
        """Add one entry to the active file, rolling it over when its day has ended."""
        entry = {
            "timestamp": iso(now),
            "user": user,
            "operation": operation,
            "resource": resource,
            "result": result,
        }
        active = self.files.get(ACTIVE_NAME)
        if active is not None and active.created.date() != now.date():
            self._roll_over(active)
            active = None
        if active is None:
            empty = hashlib.sha256().hexdigest()
            active = AuditFile(ACTIVE_NAME, now, now, bytearray(), empty, status=ACTIVE)
            self.files[ACTIVE_NAME] = active
        active.entries.append(entry)
        active.content += (json.dumps(entry, separators=(",", ":")) + "\n").encode()
        active.sha256 = hashlib.sha256(active.content).hexdigest()
        active.modified = now

    def _roll_over(self, active: AuditFile) -> None:
        del self.files[ACTIVE_NAME]
        active.name = rolled_name(active.created)
        active.status = NORMAL
        self.files[active.name] = active
        kept = [f for f in self.files.values() if f.name != ACTIVE_NAME and not f.deleted]
        for old in kept[:-MAX_ROLLED]:
            old.deleted = True
            old.status = ROLLOVER_DELETE
            old.content = bytearray()
            old.entries = []

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
        """Recompute every rolled-over file's sha256 and compare it with the recorded one."""
        results = []
        for audit_file in self.files.values():
            if audit_file.status not in (ACTIVE, ROLLOVER_DELETE):
                if audit_file.deleted:
                    audit_file.status = UNEXPECTED_DELETE
                else:
                    actual = hashlib.sha256(audit_file.content).hexdigest()
                    audit_file.status = NORMAL if actual == audit_file.sha256 else TAMPERED
                audit_file.verified_time = now
            results.append({"fileName": audit_file.name, "status": audit_file.status})
        return {
            "verified": all(r["status"] in SOUND for r in results),
            "verifiedTime": iso(now),
            "results": results,
        }
