"""Handlers of the schedules tag: the built-in schedules and their cron expressions."""

from __future__ import annotations

from typing import Any

from conformance.emulator.cron import cron_error
from conformance.emulator.errors import bad_request
from conformance.emulator.handlers.registry import Context, Result, operation
from conformance.emulator.model import Schedule


def schedule_view(schedule: Schedule) -> dict[str, Any]:
    return {
        "name": schedule.name,
        "cronExpression": schedule.cron,
        "description": schedule.description,
    }


@operation("getSchedules")
def get_schedules(ctx: Context) -> Result:
    listed = [schedule_view(s) for s in ctx.state.schedules.values()]
    return Result({"scheduleResponseList": listed})


@operation("modifySchedule")
def modify_schedule(ctx: Context) -> Result:
    name, cron = ctx.body["name"], ctx.body["cronExpression"]
    ctx.resource = name
    problem = cron_error(cron)
    if problem is not None:
        raise bad_request(f"Invalid value for field 'cronExpression': {problem}")
    schedule = ctx.state.schedules[name]
    schedule.cron = cron
    return Result(schedule_view(schedule), "Schedule modified successfully")
