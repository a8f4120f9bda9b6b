"""Step 0 of the workflows: turning inventory names into the morefs the API wants.

Names come from the run's ``[inventory]`` table and are looked up in vCenter's REST API,
as users do; values that already are morefs (``vm-42``, ``datastore-7``) or uuids are used
as given. Against the embedded emulator the defaults are the emulator's inventory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from conformance.core.errors import UsageError

#: Names of the emulator's fixed inventory, the defaults against the embedded emulator
#: (the suites run apart from the emulator's code; a test holds the two in step).
EMULATOR_INVENTORY = {
    "vm": "finance-app01",
    "alternate_vm": "web-frontend01",
    "template_vm": "rhel9-template",
    "partial_backup_vm": "finance-db01",
    "deleted_vm_uuid": "42071e9a-5c3d-4b2f-8e6a-1c0d2f3b4a5e",
    "datastore": "nfs_ds01",
    "esx_host": "esx01.lab.local",
    "storage_system": "svm-scenario01",
}
#: More objects like ``vm`` and ``datastore`` in the emulator's inventory (the pools
#: ``vms`` and ``datastores``, see conformance.scenarios.pools).
EMULATOR_POOLS = {
    "vms": ("finance-app02", "finance-app03", "finance-app04", "finance-app05", "finance-app06"),
    "datastores": ("nfs_ds02", "vmfs_ds01"),
}
#: Inventory key -> (vCenter list path, id field, moref pattern); others pass through.
LOOKUPS = {
    "vm": ("/api/vcenter/vm", "vm", r"vm-\d+"),
    "alternate_vm": ("/api/vcenter/vm", "vm", r"vm-\d+"),
    "template_vm": ("/api/vcenter/vm", "vm", r"vm-\d+"),
    "partial_backup_vm": ("/api/vcenter/vm", "vm", r"vm-\d+"),
    "datastore": ("/api/vcenter/datastore", "datastore", r"datastore-\d+"),
    "esx_host": ("/api/vcenter/host", "name", r".+\..+"),
}
_UUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
#: Workflow inputs taken from the environment rather than the inventory (secrets).
SECRET_INPUTS = {"storage_password": "SCV_STORAGE_PASSWORD"}

Fetch = Callable[[str, str], Any]


def resolve_inventory(
    names: Mapping[str, str], wanted: list[str], fetch: Fetch | None
) -> dict[str, str]:
    """The workflow inputs for the inventory keys in ``wanted``.

    ``fetch(path, name)`` returns vCenter's list filtered by name; None means no vCenter.
    """
    resolved: dict[str, str] = {}
    for key in wanted:
        value = names.get(key)
        if value is None:
            continue
        resolved[key] = _resolve_one(key, value, fetch)
    return resolved


def _resolve_one(key: str, value: str, fetch: Fetch | None) -> str:
    if key == "deleted_vm_uuid":
        if not _UUID.fullmatch(value):
            raise UsageError(f"inventory {key}: not a VM uuid: {value}")
        return value.lower()
    lookup = LOOKUPS.get(key)
    if lookup is None:
        return value
    path, field_name, direct = lookup
    if re.fullmatch(direct, value) and field_name != "name":
        return value
    if fetch is None:
        if field_name == "name":
            return value
        raise UsageError(
            f"inventory {key} = {value!r} is a name; give --vcenter to look it up, "
            "or give its moref"
        )
    found = [item for item in fetch(path, value) if item.get("name") == value]
    if not found:
        raise UsageError(
            f"inventory {key}: vCenter knows no {path.rsplit('/', 1)[-1]} named {value!r}"
        )
    return str(found[0][field_name])


def secret_inputs(wanted: list[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Inputs that are secrets, read from the environment when set."""
    environ = os.environ if environ is None else environ
    return {k: environ[v] for k, v in SECRET_INPUTS.items() if k in wanted and v in environ}
