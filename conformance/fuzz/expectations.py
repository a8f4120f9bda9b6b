"""Which answers a schema-valid request may legitimately get, per operation.

A request that matches the schema is not always one the appliance can carry out: the id may
name nothing (404), the name may be taken (409), or the request may break a documented rule
that JSON Schema cannot express, which SCV refuses with 400 naming the rule. The
``positive_data_acceptance`` check accepts exactly these, per operation, and nothing else.
"""

from __future__ import annotations

from conformance.core.contract import Operation

#: Always acceptable for valid data: success, auth refusals, throttling, and server errors
#: (those are reported by ``not_a_server_error`` instead).
BASE_STATUSES = ("2xx", "401", "403", "429", "5xx")
#: Documented refusals of a valid request that depend on the appliance's state.
STATE_STATUSES = ("404", "409")

#: Operations with documented rules on valid-looking bodies, refused with 400.
BUSINESS_RULES: dict[str, str] = {
    "backupResourceGroupNow": "the policy must be one attached to the resource group",
    "mountDatastoreBackup": "datastore and location must come from the backup's snapshot locations",
    "unmountDatastore": "the datastore must be one mounted from a backup",
    "attachVmdks": "the VMDK locations must belong to the given backup",
    "detachVmdks": "the VMDKs must have been attached from a backup",
    "restoreVm": "restartVM must be false for a partial backup; templates cannot be restored",
    "restoreVmdks": "the VMDK restore locations must come from the backup",
    "failJobs": "only jobs stuck in the running state can be marked failed",
    "modifySchedule": "the schedule must be a built-in one and the cron expression valid",
    "updateSyslogCert": "the certificate must be a parseable PEM certificate",
    "updateResourceGroup": "named policies and entities must exist and fit the group",
    "createResourceGroup": "named policies and entities must exist and fit the group",
}


def positive_statuses(operation: Operation) -> list[str]:
    """Statuses a schema-valid request to ``operation`` may get."""
    documented = set(operation.definition.get("responses", {}))
    statuses = list(BASE_STATUSES)
    statuses += [s for s in STATE_STATUSES if s in documented]
    if operation.operation_id in BUSINESS_RULES and "400" in documented:
        statuses.append("400")
    return statuses
