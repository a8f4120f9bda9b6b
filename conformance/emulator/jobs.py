"""Jobs whose progress follows the clock; their effects apply once, when settled."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from conformance.emulator.clock import iso
from conformance.emulator.conditions import JOB_FAILURE_MESSAGE
from conformance.emulator.model import Job
from conformance.emulator.state import State

NEVER_FINISHED_PROGRESS = 50
#: How far a job that ends failed got.
ENDED_FAILED_PROGRESS = 90


def start_job(
    state: State,
    now: datetime,
    job_type: str,
    description: str,
    resource: str | None,
    duration: float,
    effect: Callable[[datetime], None] | None = None,
    never_finishes: bool = False,
    ends_failed: bool = False,
) -> Job:
    """Record a new running job; ``effect`` runs when it completes (never when it
    ``ends_failed``)."""
    job = Job(
        id=state.next_id("job"),
        job_type=job_type,
        description=description,
        resource_name=resource,
        start=now,
        duration=duration,
        effect=effect,
        never_finishes=never_finishes,
        ends_failed=ends_failed,
    )
    job.log.append(f"{iso(now)} INFO {description}: started")
    state.jobs[job.id] = job
    state.pending.append(job)
    return job


def end_time(job: Job) -> datetime | None:
    """When the job ended or will end; None if it never will."""
    if job.failed_at is not None:
        return job.failed_at
    if job.never_finishes:
        return None
    return job.start + timedelta(seconds=job.duration)


def is_running(job: Job, now: datetime) -> bool:
    end = end_time(job)
    return job.failed_at is None and (end is None or now < end)


def status(job: Job, now: datetime) -> tuple[str, int]:
    """The job's status and percent done at ``now``."""
    if job.failed_at is not None:
        return "FAILED", job.failed_progress
    if job.never_finishes:
        return "RUNNING", NEVER_FINISHED_PROGRESS
    if is_running(job, now):
        elapsed = (now - job.start).total_seconds()
        return "RUNNING", max(0, min(99, int(100 * elapsed / job.duration)))
    if job.ends_failed:
        return "FAILED", ENDED_FAILED_PROGRESS
    return "COMPLETED", 100


def view(job: Job, now: datetime) -> dict[str, Any]:
    """A job as ``getJob`` answers it."""
    job_status, progress = status(job, now)
    end = end_time(job) if job_status != "RUNNING" else None
    return {
        "id": job.id,
        "jobType": job.job_type,
        "description": job.description,
        "status": job_status,
        "progress": progress,
        "startTime": iso(job.start),
        "endTime": iso(end) if end is not None else None,
        "resourceName": job.resource_name,
        "errorMessage": job.error_message
        or (JOB_FAILURE_MESSAGE if job.ends_failed and job_status == "FAILED" else None),
    }


def settle(state: State, now: datetime) -> None:
    """Apply the effects of every job that has finished by ``now``, exactly once."""
    if not state.pending:
        return
    still_pending = []
    for job in state.pending:
        if job.failed_at is not None:
            job.settled = True
            continue
        end = end_time(job)
        if end is None or now < end:
            still_pending.append(job)
            continue
        if job.ends_failed:
            job.log.append(f"{iso(end)} ERROR {job.description}: {JOB_FAILURE_MESSAGE}")
        else:
            if job.effect is not None:
                job.effect(end)
            job.log.append(f"{iso(end)} INFO {job.description}: completed")
        job.settled = True
    state.pending = still_pending


def fail(job: Job, now: datetime) -> None:
    """Mark a running job failed; its effect never applies."""
    job.failed_progress = status(job, now)[1]
    job.failed_at = now
    job.error_message = "Job was marked as failed by the user"
    job.log.append(f"{iso(now)} ERROR {job.description}: marked as failed")


def logs_zip(job: Job, now: datetime) -> bytes:
    """A zip archive holding the job's text log."""
    job_status, progress = status(job, now)
    lines = [*job.log, f"{iso(now)} INFO status {job_status}, {progress}% done"]
    if not job.log:
        lines.insert(0, f"{iso(job.start)} INFO {job.description}: started")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"job-{job.id}.log", "\n".join(lines) + "\n")
    return buffer.getvalue()
