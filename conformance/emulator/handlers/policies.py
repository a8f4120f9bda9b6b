"""Handlers of the policies tag."""

from __future__ import annotations

from typing import Any

from conformance.emulator.errors import conflict, found
from conformance.emulator.handlers.lookups import check_name_free
from conformance.emulator.handlers.registry import Context, Result, operation
from conformance.emulator.model import Policy
from conformance.emulator.state import State


def apply_request(policy: Policy, body: dict[str, Any]) -> None:
    """Copy a PolicyRequest onto a policy (defaults for absent optional fields)."""
    policy.name = body["name"]
    policy.description = body.get("description")
    policy.frequency = body["frequency"]
    policy.retention = dict(body["retention"])
    policy.vm_consistency = body.get("vmConsistency", False)
    policy.include_independent_disks = body.get("includeIndependentDisks", False)
    policy.snap_mirror_update = body.get("snapMirrorUpdate", False)
    policy.snap_vault_update = body.get("snapVaultUpdate", False)


def find_policy(state: State, policy_id: int) -> Policy:
    return found(state.policies.get(policy_id), f"Policy with id {policy_id}")


@operation("getPolicies")
def get_policies(ctx: Context) -> Result:
    return Result({"policyResponseList": [p.as_dict() for p in ctx.state.policies.values()]})


@operation("createPolicy")
def create_policy(ctx: Context) -> Result:
    name = ctx.body["name"]
    ctx.resource = name
    check_name_free(ctx.state.policy_named(name), "policy")
    policy = Policy(ctx.state.next_id("policy"), name, "DAILY", {})
    apply_request(policy, ctx.body)
    ctx.state.policies[policy.id] = policy
    return Result(policy.as_dict(), "Policy created successfully")


@operation("updatePolicy")
def update_policy(ctx: Context) -> Result:
    policy = find_policy(ctx.state, ctx.params["policyId"])
    ctx.resource = policy.name
    check_name_free(ctx.state.policy_named(ctx.body["name"]), "policy", policy.id)
    apply_request(policy, ctx.body)
    return Result(policy.as_dict(), "Policy updated successfully")


@operation("deletePolicy")
def delete_policy(ctx: Context) -> Result:
    policy = find_policy(ctx.state, ctx.params["policyId"])
    ctx.resource = policy.name
    users = sorted(
        g.name for g in ctx.state.groups.values() if any(p["id"] == policy.id for p in g.policies)
    )
    if users:
        raise conflict(f"Policy {policy.name} is used by resource groups {', '.join(users)}")
    del ctx.state.policies[policy.id]
    return Result(None, "Policy deleted successfully")
