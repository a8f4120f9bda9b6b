"""Job polling: which steps poll a job, how long to wait, and the job's logs on failure."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from typing import Any

from conformance.contract import json_budget
from conformance.core.errors import HarnessError
from conformance.http.redaction import redact_text
from conformance.http.session import Exchange, ScvSession
from conformance.scenarios.arazzo.failures import Attachment
from conformance.scenarios.arazzo.sources import SourceOperation
from conformance.scenarios.loader import SCV

JOB_OPERATION = "getJob"
LOGS_PATH = "/4.1/jobs/{id}/logs"
FAILED_STATUSES = frozenset({"FAILED"})
#: Statuses of a job that has not ended yet (the contract's enum: QUEUED, RUNNING).
RUNNING_STATUSES = frozenset({"QUEUED", "RUNNING"})
JOB_PATH = "/4.1/jobs/{id}"
FIRST_POLL_SECONDS = 0.05
MAX_LOG_CHARS = 200_000
#: What is read past the limit, so that a secret across it is found before the cut.
LOG_SLACK = 4096


class JobPolling:
    """The engine's polling of SCV jobs: getJob steps, capped by --job-timeout.

    A job that ends FAILED fails the step at once; either way the job's logs (fetched
    through the harness's own session) are attached.
    """

    def __init__(self, session: ScvSession, timeout: float) -> None:
        self.session = session
        self.timeout = timeout

    def applies(self, operation: SourceOperation) -> bool:
        return is_job_poll(operation)

    def delay(self, attempt: int, retry_after: float) -> float:
        return poll_delay(attempt, retry_after)

    def failed(self, body: Any) -> str | None:
        job = job_state(body)
        if job.get("status") not in FAILED_STATUSES:
            return None
        detail = f"job {job.get('id', '?')} ended {job.get('status')}"
        if job.get("errorMessage"):
            detail += f": {job['errorMessage']}"
        return detail

    def timed_out(self, body: Any) -> str:
        job = job_state(body)
        return (
            f"job {job.get('id', '?')} did not finish within {self.timeout:g} s "
            f"(last {describe(job)})"
        )

    def attachments(self, body: Any) -> list[Attachment]:
        job_id = job_state(body).get("id")
        return fetch_logs(self.session, job_id) if job_id is not None else []


def is_job_poll(operation: SourceOperation) -> bool:
    """A step on getJob is a job poll: capped by --job-timeout, logs fetched on failure."""
    return operation.source == SCV and operation.operation_id == JOB_OPERATION


def poll_delay(attempt: int, retry_after: float) -> float:
    """Back off from a short first poll up to the step's ``retryAfter``."""
    return min(retry_after, FIRST_POLL_SECONDS * (2**attempt))


def job_state(body: Any) -> dict[str, Any]:
    """The job object of a getJob answer (empty when the body is not one)."""
    if isinstance(body, dict) and isinstance(body.get("response"), dict):
        return body["response"]
    return {}


def describe(job: dict[str, Any]) -> str:
    status = job.get("status", "unknown")
    progress = job.get("progress")
    text = f"status {status}" + (f", {progress}% done" if progress is not None else "")
    if job.get("errorMessage"):
        text += f": {job['errorMessage']}"
    return text


def fetch_logs(session: ScvSession, job_id: Any) -> list[Attachment]:
    """The text files of the job's log archive (getJobLogs), redacted; notes on failure."""
    try:
        response = session.request("GET", LOGS_PATH.format(id=job_id))
    except Exception as exc:
        return [Attachment(f"job {job_id} logs", f"could not fetch the logs: {exc}")]
    if response.status_code != 200:
        return [
            Attachment(f"job {job_id} logs", f"getJobLogs answered HTTP {response.status_code}")
        ]
    try:
        archive = zipfile.ZipFile(io.BytesIO(response.content))
    except zipfile.BadZipFile:
        return [Attachment(f"job {job_id} logs", "getJobLogs did not answer a zip archive")]
    attachments = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        # a little more than is shown, redacted before it is cut: a secret cut at the
        # limit would be a secret no redaction finds
        with archive.open(info) as member:
            raw = member.read(MAX_LOG_CHARS + LOG_SLACK)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(raw) - 3:  # not only a character cut at the end
                continue
            text = raw[: exc.start].decode("utf-8")
        shown = redact_text(text, session.secrets)[:MAX_LOG_CHARS]
        attachments.append(Attachment(f"job {job_id} {info.filename}", shown))
    return attachments


class JobTracker:
    """The jobs a workflow started and has not seen end, waited for before its cleanup.

    A workflow stopped while its attach job runs would otherwise detach before the job
    attaches, and the disk would stay. Listens to the session's exchanges; waits at most
    ``timeout`` seconds in all.
    """

    def __init__(
        self, session: ScvSession, timeout: float, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.session = session
        self.timeout = timeout
        self.sleep = sleep
        self.running: set[str] = set()
        session.listeners.append(self.seen)

    def seen(self, exchange: Exchange) -> None:
        try:
            job = job_state(json_budget.loads(exchange.response_body))
        except ValueError:
            return
        if exchange.method != "GET" and job.get("jobId") is not None:
            self.running.add(str(job["jobId"]))
        elif job.get("id") is not None and job.get("status") not in RUNNING_STATUSES:
            self.running.discard(str(job["id"]))

    def wait(self) -> None:
        deadline = time.monotonic() + self.timeout
        attempt = 0
        while self.running and time.monotonic() < deadline:
            for job_id in sorted(self.running):
                try:
                    response = self.session.request("GET", JOB_PATH.format(id=job_id))
                except HarnessError:
                    return
                if response.status_code != 200:
                    self.running.discard(job_id)  # seen() settles the others
            if self.running:
                self.sleep(poll_delay(attempt, 2.0))
                attempt += 1
