"""Handlers of the storage-systems tag.

The request model is the one NetApp's own Ansible role sends (``userName``, ``platformType``,
``preferredIp``, ``asup``, ``syslog``; no ``type``). Adding a cluster of the emulated storage
network also adds its storage VMs, listed without a user name, as the vendor's Storage
Systems page shows them ("a hyphen instead of a username"); removing the cluster removes
them again.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from conformance.emulator.envelope import JSON_HEADERS, dumps
from conformance.emulator.errors import conflict, found
from conformance.emulator.handlers.registry import Context, Result, operation
from conformance.emulator.inventory import CLUSTER, cluster_at
from conformance.emulator.model import StorageSystem
from conformance.emulator.state import State

#: Request fields and the attribute each sets (``name`` and ``type`` are handled apart).
SETTINGS = {
    "protocol": "protocol",
    "port": "port",
    "userName": "user_name",
    "timeout": "timeout",
    "platformType": "platform_type",
    "preferredIp": "preferred_ip",
    "asup": "asup",
    "syslog": "syslog",
}


@operation("getSvmAll")
def get_svm_all(ctx: Context) -> Result:
    systems = [s.as_dict() for s in ctx.state.storage.values()]
    return Result({"storageSystemResponseList": systems})


def _settings(body: dict[str, Any]) -> dict[str, Any]:
    return {attribute: body[field] for field, attribute in SETTINGS.items() if field in body}


@operation("addStorageSystem")
def add_storage_system(ctx: Context) -> Result:
    """Adds the storage VM or cluster; a cluster brings its storage VMs along."""
    body = ctx.body
    name = body["name"]
    ctx.resource = name
    known = ctx.state.storage.get(name)
    if known is not None and known.added_with is None:
        raise conflict(f"Storage system {name} already exists")
    members = cluster_at(name)
    kind = body.get("type") or ("CLUSTER" if members is not None else "SVM")
    if known is not None:  # a storage VM its cluster brought in, now added on its own
        cluster_name = known.cluster_name
    else:
        cluster_name = name if kind == "CLUSTER" else CLUSTER
    system = StorageSystem(name=name, type=kind, cluster_name=cluster_name, **_settings(body))
    ctx.state.storage[name] = system
    if kind == "CLUSTER":
        for member in members or ():
            if member not in ctx.state.storage:
                ctx.state.storage[member] = system.member(member)
    return Result(system.as_dict(), "Storage system added successfully")


@operation("modifyStorageSystem")
def modify_storage_system(ctx: Context) -> Result:
    body = ctx.body
    name = body["name"]
    ctx.resource = name
    system = found(ctx.state.storage.get(name), f"Storage system {name}")
    system.type = body.get("type", system.type)
    for attribute, value in _settings(body).items():
        setattr(system, attribute, value)
    system.added_with = None  # credentials of its own make it an explicit storage system
    return Result(system.as_dict(), "Storage system modified successfully")


def _in_use(state: State, names: list[str]) -> list[str]:
    return sorted(d.name for d in state.datastores.values() if d.svm in names)


@operation("deleteStorageSystem")
def delete_storage_system(ctx: Context) -> Result:
    """Removes the storage system, and the storage VMs that came with it as a cluster."""
    name = ctx.body["name"]
    ctx.resource = name
    found(ctx.state.storage.get(name), f"Storage system {name}")
    members = [s.name for s in ctx.state.storage.values() if s.added_with == name]
    used = _in_use(ctx.state, [name, *members])
    if used:
        raise conflict(f"Storage system {name} is in use by datastores {', '.join(used)}")
    for gone in (name, *members):
        del ctx.state.storage[gone]
    return Result(None, "Storage system deleted successfully")


#: The documented answer of a rename, key for key (no ``response``, no ``uri``).
RENAMED = {
    "statusMessage": "OK",
    "statusCode": 200,
    "responseMessage": ["Storage system renamed successfully."],
}


@operation("renameStorageSystem")
def rename_storage_system(ctx: Context) -> Result:
    """Known under the new name from now on, and so are the backups taken under the old."""
    old, new = ctx.body["existingSVM"]["name"], ctx.body["newSVM"]["name"]
    ctx.resource = old
    system = found(ctx.state.storage.get(old), f"Storage system {old}")
    if new != old and new in ctx.state.storage:
        raise conflict(f"Storage system {new} already exists")
    del ctx.state.storage[old]
    system.name = new
    ctx.state.storage[new] = system
    if system.type == "CLUSTER":  # its SVMs now belong to the renamed cluster
        for other in ctx.state.storage.values():
            if other.cluster_name == old:
                other.cluster_name = new
            if other.added_with == old:
                other.added_with = new
    for datastore in ctx.state.datastores.values():
        if datastore.svm == old:
            datastore.svm = new
    prefix = f"{old}:"
    for backup in ctx.state.backups.values():
        for name, location in backup.locations.items():
            if location.startswith(prefix):
                backup.locations[name] = new + location[len(old) :]
    return Result(raw=Response(dumps(RENAMED), status_code=200, headers=JSON_HEADERS))
