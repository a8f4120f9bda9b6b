"""Deliberate deviations from the contract, one per fault, switched on by name.

Each fault lives here as a hook the app or a handler consults, or (``fault_handlers``) as a
handler wrapper; with no fault active every hook is a no-op, so the emulator conforms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from starlette.responses import Response


@dataclass(frozen=True)
class Fault:
    """A named deviation and which suite is expected to notice it."""

    name: str
    description: str
    seen_by: str


def _fault(name: str, seen_by: str, description: str) -> tuple[str, Fault]:
    return name, Fault(name, description, seen_by)


FAULTS: dict[str, Fault] = dict(
    [
        _fault("missing-required-field", "fuzz", "getPolicies items lack the required 'frequency'"),
        _fault(
            "wrong-status-code", "fuzz", "updateResourceGroup on an unknown id answers 422, not 404"
        ),
        _fault("auth-skipped", "fuzz", "getSchedules answers 200 without a token"),
        _fault("uri-not-null", "fuzz", "every envelope carries the request path in 'uri'"),
        _fault("stack-trace", "fuzz", "400 answers carry a Java stack trace in responseMessage"),
        _fault(
            "server-error",
            "fuzz",
            "createPolicy answers 500 with a plain-text body, to a valid request as to bad input",
        ),
        _fault(
            "forbidden-chars-accepted",
            "fuzz",
            "URLs with + . % & are served (vm-101. is read as vm-101)",
        ),
        _fault("slow-responses", "fuzz", "getResourceGroups waits 1.5 s before answering"),
        _fault(
            "invalid-input-accepted",
            "fuzz",
            "createPolicy skips body validation and answers 200 with a generated policy",
        ),
        _fault(
            "group-id-missing",
            "fuzz",
            "getResourceGroups items lack 'id' (the client reads it), which links follow",
        ),
        _fault("job-id-unknown", "stateful", "backupnow answers a jobId that getJob reports 404"),
        _fault("job-never-finishes", "scenario", "backup jobs stay RUNNING at 50%"),
        _fault(
            "state-not-persisted",
            "scenario",
            "updateResourceGroup answers the new values but does not store them",
        ),
        _fault("mount-not-listed", "scenario", "getMountedDatastores never lists a mount"),
        _fault("detach-ignored", "scenario", "detach jobs complete but the disks stay attached"),
        _fault("template-restore-accepted", "scenario", "restoring a VM template is accepted"),
        _fault(
            "schedule-not-saved",
            "scenario",
            "modifySchedule answers the new cron but getSchedules keeps the old one",
        ),
        _fault("job-filter-ignored", "scenario", "getJobs ignores the jobType filter"),
    ]
)

STACK_TRACE = (
    "java.lang.IllegalArgumentException: {message}\n"
    "\tat com.netapp.scv.rest.controller.RestExceptionHandler"
    ".handle(RestExceptionHandler.java:87)\n"
    "\tat com.netapp.scv.rest.controller.BaseController.validate(BaseController.java:142)\n"
    "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)"
)
SLOW_SECONDS = 1.5
_FORBIDDEN_IN_PATH = re.compile(r"%[0-9A-Fa-f]{2}|[+.&%]")
Effect = Callable[[datetime], None]


class FaultHooks:
    """The hooks of the active faults (all no-ops when there is none)."""

    def __init__(self, names: Collection[str] = ()) -> None:
        unknown = [name for name in names if name not in FAULTS]
        if unknown:
            raise ValueError(f"unknown fault {unknown[0]!r}")
        self.names = frozenset(names)

    def _on(self, name: str) -> bool:
        return name in self.names

    def uri(self, path: str) -> str | None:
        return path if self._on("uri-not-null") else None

    def tolerated_path(self, path: str) -> str | None:
        """The path to serve when forbidden characters are tolerated, else None."""
        if not self._on("forbidden-chars-accepted"):
            return None
        return _FORBIDDEN_IN_PATH.sub("", path)

    def auth_exempt(self, operation_id: str) -> bool:
        return self._on("auth-skipped") and operation_id == "getSchedules"

    def skips_validation(self, operation_id: str) -> bool:
        return self._on("invalid-input-accepted") and operation_id == "createPolicy"

    def invalid_body_response(self, operation_id: str) -> Response | None:
        return self.broken_answer(operation_id)

    def broken_answer(self, operation_id: str) -> Response | None:
        """The answer of a broken operation to every request (``server-error``), else None."""
        if self._on("server-error") and operation_id == "createPolicy":
            return Response("Internal Server Error", status_code=500, media_type="text/plain")
        return None

    def error_message(self, status: int, message: str) -> str:
        if self._on("stack-trace") and status == 400:
            return STACK_TRACE.format(message=message)
        return message

    def delay(self, operation_id: str) -> float:
        slow = self._on("slow-responses") and operation_id == "getResourceGroups"
        return SLOW_SECONDS if slow else 0.0

    def relaxes(self, rule: str) -> bool:
        """True when the fault lifts a business rule (``template-restore``)."""
        return self._on("template-restore-accepted") and rule == "template-restore"

    def never_finishes(self, job_type: str) -> bool:
        return self._on("job-never-finishes") and job_type == "backup"

    def job_effect(self, job_type: str, effect: Effect | None) -> Effect | None:
        if self._on("detach-ignored") and job_type == "detachVmdk":
            return None
        return effect
