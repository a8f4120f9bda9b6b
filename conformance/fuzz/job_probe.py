"""Following the documented backup workflow's links directly: a started job must exist.

The random walk of the stateful phase rarely gets a backup started (the policy must be
attached to the group), so the links ``getResourceGroups -> backupResourceGroupNow ->
getJob`` are also followed once on purpose, with the values the answers hand out.
"""

from __future__ import annotations

from typing import Any

from conformance.core.session import Exchange, ScvSession
from conformance.fuzz.stateful_checks import LINKED_RESOURCE
from conformance.fuzz.verdicts import Finding, Verdict


def probe_started_job_exists(session: ScvSession) -> Verdict:
    """Back up the first free listed group with its first policy; getJob must find the job."""
    verdict = Verdict(LINKED_RESOURCE)
    groups = _payload(session.request("GET", "/4.1/resource-groups"))
    candidates = [
        g for g in (groups or {}).get("resourceGroupResponseList", []) if g.get("policies")
    ]
    job_id = None
    for group in candidates:  # a group the walk is still backing up answers 409: try the next
        body = {"resourceGroupId": group["id"], "policyId": group["policies"][0]["id"]}
        started = _payload(session.request("POST", "/4.1/resource-groups/backupnow", json=body))
        job_id = (started or {}).get("jobId")
        if job_id is not None:
            break
    if job_id is None:
        return verdict
    last: list[Exchange] = []
    session.listeners.append(last.append)
    try:
        response = session.request("GET", f"/4.1/jobs/{job_id}")
    finally:
        session.listeners.remove(last.append)
    if response.status_code == 404:
        verdict.add_failure(
            Finding(
                "Started job not found",
                f"POST /4.1/resource-groups/backupnow answered jobId {job_id}, but "
                f"GET /4.1/jobs/{{id}} with it answered 404",
                last[-1] if last else None,
            )
        )
    else:
        verdict.add_pass()
    return verdict


def _payload(response: Any) -> dict[str, Any] | None:
    if response.status_code != 200:
        return None
    try:
        payload = response.json().get("response")
    except (ValueError, AttributeError):
        return None
    return payload if isinstance(payload, dict) else None
