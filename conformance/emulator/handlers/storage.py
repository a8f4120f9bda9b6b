"""Handlers of the storage-systems tag."""

from __future__ import annotations

from starlette.responses import Response

from conformance.emulator.envelope import JSON_HEADERS, dumps
from conformance.emulator.errors import conflict, found
from conformance.emulator.handlers.registry import Context, Result, operation
from conformance.emulator.inventory import CLUSTER
from conformance.emulator.model import StorageSystem


@operation("getSvmAll")
def get_svm_all(ctx: Context) -> Result:
    systems = [s.as_dict() for s in ctx.state.storage.values()]
    return Result({"storageSystemResponseList": systems})


@operation("addStorageSystem")
def add_storage_system(ctx: Context) -> Result:
    body = ctx.body
    name = body["name"]
    ctx.resource = name
    if name in ctx.state.storage:
        raise conflict(f"Storage system {name} already exists")
    kind = body.get("type", "SVM")
    system = StorageSystem(
        name=name,
        type=kind,
        cluster_name=CLUSTER if kind == "SVM" else name,
        protocol=body.get("protocol", "HTTPS"),
        port=body.get("port", 443),
        username=body["username"],
        timeout=body.get("timeout", 60),
    )
    ctx.state.storage[name] = system
    return Result(system.as_dict(), "Storage system added successfully")


@operation("modifyStorageSystem")
def modify_storage_system(ctx: Context) -> Result:
    body = ctx.body
    name = body["name"]
    ctx.resource = name
    system = found(ctx.state.storage.get(name), f"Storage system {name}")
    system.type = body.get("type", system.type)
    system.protocol = body.get("protocol", system.protocol)
    system.port = body.get("port", system.port)
    system.username = body["username"]
    system.timeout = body.get("timeout", system.timeout)
    return Result(system.as_dict(), "Storage system modified successfully")


@operation("deleteStorageSystem")
def delete_storage_system(ctx: Context) -> Result:
    name = ctx.body["name"]
    ctx.resource = name
    found(ctx.state.storage.get(name), f"Storage system {name}")
    used = sorted(d.name for d in ctx.state.datastores.values() if d.svm == name)
    if used:
        raise conflict(f"Storage system {name} is in use by datastores {', '.join(used)}")
    del ctx.state.storage[name]
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
    for datastore in ctx.state.datastores.values():
        if datastore.svm == old:
            datastore.svm = new
    prefix = f"{old}:"
    for backup in ctx.state.backups.values():
        for name, location in backup.locations.items():
            if location.startswith(prefix):
                backup.locations[name] = new + location[len(old) :]
    return Result(raw=Response(dumps(RENAMED), status_code=200, headers=JSON_HEADERS))
