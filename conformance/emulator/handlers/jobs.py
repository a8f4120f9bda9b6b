"""Handlers of the jobs tag."""

from __future__ import annotations

from starlette.responses import Response

from conformance.emulator import jobs
from conformance.emulator.errors import bad_request, found
from conformance.emulator.handlers.registry import Context, Result, operation
from conformance.emulator.model import Job
from conformance.emulator.state import State


def find_job(state: State, job_id: int) -> Job:
    return found(state.jobs.get(job_id), f"Job with id {job_id}")


#: The job-type filter's names: the assumed ``jobType`` and the ``type`` a public client sends.
FILTERS = ("jobType", "type")


@operation("getJobs")
def get_jobs(ctx: Context) -> Result:
    """Jobs newest first; each filter given with a value narrows the list (empty: none)."""
    wanted = {ctx.params[name] for name in FILTERS if ctx.params.get(name)}
    listed = [
        jobs.view(job, ctx.now)
        for job in sorted(ctx.state.jobs.values(), key=lambda j: j.id, reverse=True)
        if all(job.job_type == w for w in wanted)
    ]
    return Result({"jobResponseList": listed})


@operation("getJob")
def get_job(ctx: Context) -> Result:
    return Result(jobs.view(find_job(ctx.state, ctx.params["id"]), ctx.now))


@operation("getJobLogs")
def get_job_logs(ctx: Context) -> Result:
    job = find_job(ctx.state, ctx.params["id"])
    headers = {"content-disposition": f'attachment; filename="job-{job.id}-logs.zip"'}
    archive = jobs.logs_zip(job, ctx.now)
    return Result(raw=Response(archive, media_type="application/octet-stream", headers=headers))


@operation("failJobs")
def fail_jobs(ctx: Context) -> Result:
    ids = [ctx.params["id"]]
    if isinstance(ctx.body, dict):
        ids += [i for i in ctx.body.get("jobIds", []) if i not in ids]
    ctx.resource = ",".join(str(i) for i in ids)
    targets = [find_job(ctx.state, i) for i in ids]
    for job in targets:
        if not jobs.is_running(job, ctx.now):
            state_name = jobs.status(job, ctx.now)[0]
            raise bad_request(f"Job {job.id} is not running (status {state_name})")
    for job in targets:
        jobs.fail(job, ctx.now)
    listed = [jobs.view(job, ctx.now) for job in targets]
    return Result({"jobResponseList": listed}, "Jobs marked as failed")
