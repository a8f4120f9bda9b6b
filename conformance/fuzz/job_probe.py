"""Following the documented backup workflow's links directly: a started job must exist.

The random walk of the stateful phase rarely gets a backup started (the policy must be
attached to the group), so the links ``getResourceGroups -> backupResourceGroupNow ->
getJob`` are also followed once on purpose, with the values the answers hand out.
"""

from __future__ import annotations

from typing import Any

from conformance.fuzz.stateful_checks import LINKED_RESOURCE
from conformance.fuzz.verdicts import Finding, Verdict
from conformance.http.session import Exchange, ScvSession


def probe_started_job_exists(session: ScvSession) -> Verdict:
    """Back up the first free listed group with its first policy; getJob must find the job.

    A listed group without the ids the links hand on (``id``, its policies' ``id``) is the
    appliance's fault, not the harness's: a failure of this check, never an error.
    """
    verdict = Verdict(LINKED_RESOURCE)
    listed, exchange = _call(session, "GET", "/4.1/resource-groups")
    groups = (_payload(listed) or {}).get("resourceGroupResponseList")
    candidates = (
        [g for g in groups if isinstance(g, dict) and g.get("policies")]
        if isinstance(groups, list)
        else []
    )
    job_id = None
    for group in candidates:  # a group the walk is still backing up answers 409: try the next
        ids = _link_values(group)
        if isinstance(ids, str):
            verdict.add_failure(
                Finding(
                    "Listed resource group cannot be followed",
                    f"GET /4.1/resource-groups listed a resource group {ids}, so the "
                    "documented backup workflow (getResourceGroups -> backupResourceGroupNow "
                    "-> getJob) cannot follow its links",
                    exchange,
                )
            )
            return verdict
        body = {"resourceGroupId": ids[0], "policyId": ids[1]}
        started = _payload(session.request("POST", "/4.1/resource-groups/backupnow", json=body))
        job_id = (started or {}).get("jobId")
        if job_id is not None:
            break
    if job_id is None:
        return verdict
    response, last = _call(session, "GET", f"/4.1/jobs/{job_id}")
    if response.status_code == 404:
        verdict.add_failure(
            Finding(
                "Started job not found",
                f"POST /4.1/resource-groups/backupnow answered jobId {job_id}, but "
                f"GET /4.1/jobs/{{id}} with it answered 404",
                last,
            )
        )
    else:
        verdict.add_pass()
    return verdict


def _link_values(group: dict[str, Any]) -> tuple[Any, Any] | str:
    """(group id, first policy id) of a listed group, or what it lacks."""
    policies = group.get("policies")
    policy = policies[0] if isinstance(policies, list) and policies else None
    if group.get("id") is None:
        return f"without an `id` (named {group.get('name')!r})"
    if not isinstance(policy, dict) or policy.get("id") is None:
        return f"(id {group['id']}) whose first policy has no `id`"
    return group["id"], policy["id"]


def _call(session: ScvSession, method: str, path: str) -> tuple[Any, Exchange | None]:
    """The answer and the session's record of the exchange."""
    last: list[Exchange] = []
    session.listeners.append(last.append)
    try:
        response = session.request(method, path)
    finally:
        session.listeners.remove(last.append)
    return response, (last[-1] if last else None)


def _payload(response: Any) -> dict[str, Any] | None:
    if response.status_code != 200:
        return None
    try:
        payload = response.json().get("response")
    except (ValueError, AttributeError):
        return None
    return payload if isinstance(payload, dict) else None
