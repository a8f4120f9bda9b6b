"""Handlers as the active fault changes them (the faults that alter an answer's content)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from conformance.emulator.errors import ApiError
from conformance.emulator.handlers.registry import Context, Handler, Result
from conformance.emulator.model import Policy

UNKNOWN_JOB_OFFSET = 1_000_000


def wrap(faults: Sequence[str], operation_id: str, handler: Handler) -> Handler:
    """``handler`` as ``faults`` change it, in their order (itself when they leave it
    alone)."""
    for fault in faults:
        wrapper = _WRAPPERS.get((fault, operation_id))
        if wrapper is not None:
            handler = wrapper(handler)
    return handler


def _drop(key: str, list_field: str) -> Callable[[Handler], Handler]:
    """Answer as the handler does, without ``key`` in the items of ``list_field``."""

    def wrapper(handler: Handler) -> Handler:
        def wrapped(ctx: Context) -> Result:
            result = handler(ctx)
            for item in result.response[list_field]:
                item.pop(key, None)
            return result

        return wrapped

    return wrapper


def _status_422(handler: Handler) -> Handler:
    def wrapped(ctx: Context) -> Result:
        try:
            return handler(ctx)
        except ApiError as exc:
            if exc.status == 404 and exc.message.startswith("Resource group with id"):
                raise ApiError(422, exc.message) from None
            raise

    return wrapped


def _generated_policy(handler: Handler) -> Handler:
    def wrapped(ctx: Context) -> Result:
        body = ctx.body if isinstance(ctx.body, dict) else {}
        policy_id = ctx.state.next_id("policy")
        name = body.get("name")
        name = name if isinstance(name, str) and name.strip() else f"generated-{policy_id}"
        policy = Policy(policy_id, name, "DAILY", {"type": "DAYS", "value": 7})
        ctx.state.policies[policy_id] = policy
        return Result(policy.as_dict(), "Policy created successfully")

    return wrapped


def _unknown_job(handler: Handler) -> Handler:
    def wrapped(ctx: Context) -> Result:
        result = handler(ctx)
        result.response = {"jobId": result.response["jobId"] + UNKNOWN_JOB_OFFSET}
        return result

    return wrapped


def _forget(select: Callable[[Context], dict[Any, Any]]) -> Callable[[Handler], Handler]:
    """Answer as the handler does, then put the selected collection back as it was."""

    def wrapper(handler: Handler) -> Handler:
        def wrapped(ctx: Context) -> Result:
            collection = select(ctx)
            saved = copy.deepcopy(collection)
            result = handler(ctx)
            collection.clear()
            collection.update(saved)
            return result

        return wrapped

    return wrapper


def _no_mounts(handler: Handler) -> Handler:
    def wrapped(ctx: Context) -> Result:
        result = handler(ctx)
        result.response = {"mountedDatastoresList": []}
        return result

    return wrapped


def _no_filter(handler: Handler) -> Handler:
    def wrapped(ctx: Context) -> Result:
        for name in ("jobType", "type"):
            ctx.params.pop(name, None)
        return handler(ctx)

    return wrapped


def _broken(handler: Handler) -> Handler:
    def wrapped(ctx: Context) -> Result:
        return Result(raw=ctx.hooks.broken_answer(ctx.operation_id))

    return wrapped


_WRAPPERS: dict[tuple[str | None, str], Callable[[Handler], Handler]] = {
    ("server-error", "createPolicy"): _broken,
    ("missing-required-field", "getPolicies"): _drop("frequency", "policyResponseList"),
    ("wrong-status-code", "updateResourceGroup"): _status_422,
    ("group-id-missing", "getResourceGroups"): _drop("id", "resourceGroupResponseList"),
    ("invalid-input-accepted", "createPolicy"): _generated_policy,
    ("job-id-unknown", "backupResourceGroupNow"): _unknown_job,
    ("state-not-persisted", "updateResourceGroup"): _forget(lambda ctx: ctx.state.groups),
    ("schedule-not-saved", "modifySchedule"): _forget(lambda ctx: ctx.state.schedules),
    ("mount-not-listed", "getMountedDatastores"): _no_mounts,
    ("job-filter-ignored", "getJobs"): _no_filter,
}
