"""Which answers a schema-valid request may legitimately get, per operation.

A request that matches the schema is not always one the appliance can carry out: the id may
name nothing (404), the name may be taken (409), or the request may break a documented rule
that JSON Schema cannot express, which SCV refuses with 400 naming the rule. Those rules live
in the contract (``x-scv-business-rules``), so every tool reading it knows them. The
``positive_data_acceptance`` check accepts exactly these, per operation, and nothing else.
"""

from __future__ import annotations

from conformance.contract.spec import Operation

#: Always acceptable for valid data: success, auth refusals, throttling, and server errors
#: (those are reported by ``not_a_server_error`` instead).
BASE_STATUSES = ("2xx", "401", "403", "429", "5xx")
#: Documented refusals of a valid request that depend on the appliance's state.
STATE_STATUSES = ("404", "409")


def positive_statuses(operation: Operation) -> list[str]:
    """Statuses a schema-valid request to ``operation`` may get."""
    documented = set(operation.definition.get("responses", {}))
    statuses = list(BASE_STATUSES)
    statuses += [s for s in STATE_STATUSES if s in documented]
    statuses += sorted(
        {r.status for r in operation.business_rules if r.status in documented} - set(statuses)
    )
    if operation.alternative_of is not None and "404" not in statuses:
        statuses.append("404")  # the target may serve the other path only
    return statuses
