"""Handlers of the resource-groups tag, including the on-demand backup."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conformance.emulator import jobs
from conformance.emulator.backups import record_backup
from conformance.emulator.errors import bad_request, conflict, found, not_found
from conformance.emulator.handlers.lookups import check_name_free
from conformance.emulator.handlers.policies import find_policy
from conformance.emulator.handlers.registry import Context, Result, operation, start_job
from conformance.emulator.model import ResourceGroup
from conformance.emulator.state import State

SCHEDULED = ("HOURLY", "DAILY", "WEEKLY", "MONTHLY")


def group_view(state: State, group: ResourceGroup) -> dict[str, Any]:
    policies = []
    for assignment in group.policies:
        policy = state.policies.get(assignment["id"])
        item: dict[str, Any] = {
            "id": assignment["id"],
            "name": policy.name if policy else "unknown",
        }
        if "frequency" in assignment:
            item["frequency"] = dict(assignment["frequency"])
        policies.append(item)
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "entities": list(group.entities),
        "spanningDatastores": {"spanningType": group.spanning_type},
        "policies": policies,
        "notification": group.notification,
    }


def find_group(state: State, group_id: int) -> ResourceGroup:
    return found(state.groups.get(group_id), f"Resource group with id {group_id}")


def _checked_policies(state: State, assignments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[int] = set()
    result = []
    for assignment in assignments:
        policy = find_policy(state, assignment["id"])
        if policy.id in seen:
            raise bad_request(f"Policy {policy.id} is assigned twice")
        seen.add(policy.id)
        item: dict[str, Any] = {"id": policy.id}
        if "frequency" in assignment:
            item["frequency"] = dict(assignment["frequency"])
        elif policy.frequency in SCHEDULED:
            item["frequency"] = {"type": policy.frequency, "startTime": "01:00", "interval": 1}
        result.append(item)
    return result


def _checked_entities(state: State, entities: list[str]) -> list[str]:
    """VMs, datastores, VM folders and tags, as vCenter knows them (404 otherwise)."""
    for entity in entities:
        known = (
            state.vm_by_moref(entity) is not None
            or entity in state.datastores
            or entity in state.groupings
        )
        if not known:
            raise not_found(f"Entity {entity} not found in vCenter")
    return list(entities)


def _apply(state: State, group: ResourceGroup, body: dict[str, Any]) -> None:
    group.entities = _checked_entities(state, body["entities"])
    group.policies = _checked_policies(state, body["policies"])
    group.name = body["name"]
    group.description = body.get("description")
    group.spanning_type = body.get("spanningDatastores", {}).get("spanningType", "EXCLUDE_ALL")
    group.notification = body.get("notification", "NEVER")


@operation("getResourceGroups")
def get_resource_groups(ctx: Context) -> Result:
    groups = [group_view(ctx.state, g) for g in ctx.state.groups.values()]
    return Result({"resourceGroupResponseList": groups})


@operation("createResourceGroup")
def create_resource_group(ctx: Context) -> Result:
    name = ctx.body["name"]
    ctx.resource = name
    check_name_free(ctx.state.group_named(name), "resource group")
    group = ResourceGroup(0, name, [], [])
    _apply(ctx.state, group, ctx.body)
    group.id = ctx.state.next_id("group")
    ctx.state.groups[group.id] = group
    return Result(group_view(ctx.state, group), "Resource group created successfully")


@operation("updateResourceGroup")
def update_resource_group(ctx: Context) -> Result:
    current = find_group(ctx.state, ctx.params["resourceGroupId"])
    ctx.resource = current.name
    check_name_free(ctx.state.group_named(ctx.body["name"]), "resource group", current.id)
    updated = ResourceGroup(current.id, current.name, [], [])
    _apply(ctx.state, updated, ctx.body)
    ctx.state.groups[current.id] = updated
    return Result(group_view(ctx.state, updated), "Resource group updated successfully")


@operation("deleteResourceGroup")
def delete_resource_group(ctx: Context) -> Result:
    group = find_group(ctx.state, ctx.params["resourceGroupId"])
    ctx.resource = group.name
    del ctx.state.groups[group.id]
    return Result(None, "Resource group deleted successfully")


@operation("backupResourceGroupNow")
def backup_now(ctx: Context) -> Result:
    state = ctx.state
    group = find_group(state, ctx.body["resourceGroupId"])
    policy = find_policy(state, ctx.body["policyId"])
    ctx.resource = group.name
    if all(a["id"] != policy.id for a in group.policies):
        raise bad_request(f"Policy {policy.name} is not attached to resource group {group.name}")
    for job in state.pending:
        mine = job.job_type == "backup" and job.resource_name == group.name
        if mine and jobs.is_running(job, ctx.now):
            raise conflict(f"A backup of resource group {group.name} is already running")
    start = ctx.now

    def effect(end: datetime) -> None:
        record_backup(state, group, policy.name, start, end)

    result = start_job(ctx, "backup", f"Backup of resource group {group.name}", group.name, effect)
    result.message = f"Backup triggered successfully for resource group {group.name}"
    return result
