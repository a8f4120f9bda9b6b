"""The handler registry: one handler per contract operationId."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.responses import Response

from conformance.emulator import jobs
from conformance.emulator.config import EmulatorConfig
from conformance.emulator.faults import FaultHooks
from conformance.emulator.state import State


@dataclass
class Context:
    """What a handler sees of one request; handlers run holding the state lock."""

    state: State
    operation_id: str
    params: dict[str, Any]
    body: Any
    user: str
    now: datetime
    config: EmulatorConfig
    hooks: FaultHooks
    resource: str | None = None


@dataclass
class Result:
    """A successful answer: the payload and message, or a raw response."""

    response: Any = None
    message: str | None = None
    status: int = 200
    raw: Response | None = None


Handler = Callable[[Context], Result]
HANDLERS: dict[str, Handler] = {}


def operation(operation_id: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``operation_id``."""

    def register(handler: Handler) -> Handler:
        if operation_id in HANDLERS:
            raise ValueError(f"two handlers for operation {operation_id!r}")
        HANDLERS[operation_id] = handler
        return handler

    return register


def start_job(
    ctx: Context,
    job_type: str,
    description: str,
    resource: str | None,
    effect: Callable[[datetime], None] | None = None,
) -> Result:
    """Start a job of ``job_type`` (as the active fault allows) and answer its id."""
    job = jobs.start_job(
        ctx.state,
        ctx.now,
        job_type,
        description,
        resource,
        ctx.config.played_job_duration,
        ctx.hooks.job_effect(job_type, effect),
        never_finishes=ctx.hooks.never_finishes(job_type),
        ends_failed=ctx.config.jobs_fail,
    )
    return Result({"jobId": job.id}, f"{description}: triggered successfully")
