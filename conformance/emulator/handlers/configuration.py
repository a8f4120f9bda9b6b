"""Handlers of the configuration tag: configuration keys and the retention of jobs."""

from __future__ import annotations

from typing import Any

from conformance.emulator.errors import found
from conformance.emulator.handlers.registry import Context, Result, operation

#: The object type the withdrawn 2025 page gives every configuration key.
CONFIG_KEY = "ConfigKey"
#: The fields of the job retention, both required.
RETENTION_FIELDS = ("jobRetentionDays", "jobLogRetentionDays")


def _entry(name: str, value: str) -> dict[str, Any]:
    return {"configurationName": name, "configurationValue": value, "objectType": CONFIG_KEY}


@operation("getConfiguration")
def get_configuration(ctx: Context) -> Result:
    name = ctx.params["configurationName"]
    value = found(ctx.state.configuration.get(name), f"Configuration key {name}")
    return Result(_entry(name, value))


@operation("updateConfiguration")
def update_configuration(ctx: Context) -> Result:
    """Add or update one key ("add or update this key using the config APIs")."""
    name, value = ctx.body["configurationName"], ctx.body["configurationValue"]
    ctx.resource = name
    ctx.state.configuration[name] = value
    return Result(_entry(name, value), "Configuration updated successfully")


@operation("getJobRetention")
def get_job_retention(ctx: Context) -> Result:
    return Result(dict(ctx.state.job_retention))


@operation("updateJobRetention")
def update_job_retention(ctx: Context) -> Result:
    ctx.state.job_retention = {key: int(ctx.body[key]) for key in RETENTION_FIELDS}
    return Result(dict(ctx.state.job_retention), "Job retention updated successfully")
