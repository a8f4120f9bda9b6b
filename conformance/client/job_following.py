"""Jobs a client started, and whether it followed each to its end before acting on it.

An answer that carries ``response.jobId`` started a job on the request's subject (its VM,
backup, resource group). Until an answer shows that job in an end state (``getJob`` or a
job list: any status but QUEUED and RUNNING), a state-changing request on the same subject,
or on something an answer about that subject first named meanwhile (the datastore a mount
mounted), acts on a result that may not exist yet. Starting a job and never looking back
is fine: the public PowerShell client does that with a backup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

RUNNING_STATES = frozenset({"QUEUED", "RUNNING"})
#: Reference names that identify a request's subject (a datastore name or a policy is
#: shared by many subjects, so it does not).
SUBJECT_NAMES = frozenset({"moref", "backupId", "resourceGroupId", "entities", "alternateVmMoref"})
#: The operations that follow jobs: using a job's id there is following it.
JOB_OPERATIONS = frozenset({"getJob", "getJobs", "getJobLogs", "failJobs"})


@dataclass
class PendingJob:
    job_id: str
    operation_id: str
    index: int
    subject: set[str] = field(default_factory=set)


class Jobs:
    """The jobs of one client session."""

    def __init__(self) -> None:
        self.pending: dict[str, PendingJob] = {}

    def started(self, job_id: str, operation_id: str, index: int, subject: Iterable[str]) -> None:
        self.pending[job_id] = PendingJob(job_id, operation_id, index, set(subject))

    def learn(self, body: Any) -> None:
        """Jobs an answer shows in an end state are followed."""
        for job in _jobs(body):
            ident = job.get("id", job.get("jobId"))
            if ident is not None and str(job.get("status")) not in RUNNING_STATES:
                self.pending.pop(str(ident), None)

    def touching(self, subject: Iterable[str]) -> list[PendingJob]:
        """The pending jobs whose subject shares a value with ``subject``."""
        values = set(subject)
        return [job for job in self.pending.values() if job.subject & values]

    def produced(self, jobs: Iterable[PendingJob], values: Iterable[str]) -> None:
        """Values first named by an answer about a pending job's subject belong to it."""
        new = set(values)
        for job in jobs:
            job.subject |= new


def _jobs(node: Any, depth: int = 0) -> list[dict[str, Any]]:
    if depth > 8:
        return []
    if isinstance(node, dict):
        found = [node] if "status" in node and ("id" in node or "jobId" in node) else []
        for value in node.values():
            if isinstance(value, dict | list):
                found += _jobs(value, depth + 1)
        return found
    if isinstance(node, list):
        return [job for item in node for job in _jobs(item, depth + 1)]
    return []


def job_id(body: Any) -> str | None:
    """The id of the job an answer says it started (``response.jobId``), or None."""
    response = body.get("response") if isinstance(body, dict) else None
    if isinstance(response, dict) and response.get("jobId") is not None:
        return str(response["jobId"])
    return None
