"""Handlers of the datastores tag: datastore backups, mounts and unmounts."""

from __future__ import annotations

from datetime import datetime

from conformance.emulator import jobs
from conformance.emulator.alternatives import esx_hosts_key
from conformance.emulator.backups import backup_view, snapshot_locations
from conformance.emulator.errors import bad_request, conflict, not_found
from conformance.emulator.handlers.lookups import (
    check_host,
    check_location,
    find_backup,
    find_datastore,
    host_names,
)
from conformance.emulator.handlers.registry import Context, Result, operation, start_job
from conformance.emulator.model import Datastore, Mount
from conformance.emulator.state import State


def mount_name(datastore: str, backup_id: int) -> str:
    return f"{datastore}_mount_{backup_id}"


@operation("getDatastoreBackups")
def get_datastore_backups(ctx: Context) -> Result:
    datastore = find_datastore(ctx.state, ctx.params["moref"])
    listed = [backup_view(ctx.state, b) for b in ctx.state.backups_of_datastore(datastore.name)]
    return Result({"backupResponseList": listed})


@operation("getDatastoreSnapshotLocations")
@operation("getDatastoreSnapshotLocators")
def get_datastore_snapshot_locations(ctx: Context) -> Result:
    """Both spellings of the path the pages give (``snapshotlocations``, ``snapshotlocators``)."""
    backup = find_backup(ctx.state, ctx.params["backupId"])
    return Result({"snapshotLocationsList": snapshot_locations(backup)})


@operation("getDatastoreAvailableEsxHosts")
def get_datastore_available_esx_hosts(ctx: Context) -> Result:
    find_datastore(ctx.state, ctx.params["moref"])
    return Result({esx_hosts_key(ctx.config): host_names(ctx.state)})


@operation("mountDatastoreBackup")
def mount_datastore_backup(ctx: Context) -> Result:
    state = ctx.state
    backup = find_backup(state, ctx.params["backupId"])
    body = ctx.body
    check_location(backup, body["datastore"], body["location"])
    check_host(state, body["esxHostName"])
    name = mount_name(body["datastore"], backup.id)
    ctx.resource = name
    busy = state.datastore_named(name) is not None or any(
        j.job_type == "mountBackup" and j.resource_name == name and jobs.is_running(j, ctx.now)
        for j in state.pending
    )
    if busy:
        raise conflict(f"Datastore {body['datastore']} of backup {backup.id} is already mounted")
    source = state.datastore_named(body["datastore"])

    def effect(end: datetime) -> None:
        moref = f"datastore-{state.next_id('datastore')}"
        state.datastores[moref] = Datastore(
            moref=moref,
            name=name,
            type=source.type if source else "NFS",
            capacity=source.capacity if source else 0,
            free_space=source.free_space if source else 0,
            svm=source.svm if source else body["location"].split(":")[0],
            mounted_from=backup.id,
            esx_host=body["esxHostName"],
        )
        state.mounts[moref] = Mount(moref, name, backup.id, body["datastore"], body["esxHostName"])

    result = start_job(ctx, "mountBackup", f"Mount of backup {backup.name}", name, effect)
    result.message = "Mount triggered successfully"
    return result


@operation("getMountedDatastores")
def get_mounted_datastores(ctx: Context) -> Result:
    backup = find_backup(ctx.state, ctx.params["backupId"])
    mounts = [
        {"moref": m.moref, "name": m.name, "esxHostName": m.esx_host, "backupId": m.backup_id}
        for m in ctx.state.mounts_of_backup(backup.id)
    ]
    return Result({"mountedDatastoresList": mounts})


def _mount(state: State, moref: str) -> Mount:
    mount = state.mounts.get(moref)
    if mount is None:
        if moref in state.datastores:
            raise bad_request(f"Datastore {moref} is not mounted from a backup")
        raise not_found(f"Datastore {moref} not found")
    return mount


@operation("unmountDatastore")
def unmount_datastore(ctx: Context) -> Result:
    """One moref or several ("the datastore moref(s)"): one job unmounts them all."""
    state = ctx.state
    given = ctx.body["moref"]
    morefs = [given] if isinstance(given, str) else list(given)
    mounts = [_mount(state, moref) for moref in morefs]
    names = ", ".join(m.name for m in mounts)
    ctx.resource = names

    def effect(end: datetime) -> None:
        for moref in morefs:
            state.mounts.pop(moref, None)
            state.datastores.pop(moref, None)

    what = "datastore" if len(mounts) == 1 else "datastores"
    result = start_job(ctx, "unmountBackup", f"Unmount of {what} {names}", names, effect)
    result.message = "Unmount triggered successfully"
    return result


@operation("cleanupBackupDatastores")
@operation("cleanupBackupDatastoresVersioned")
def cleanup_backup_datastores(ctx: Context) -> Result:
    """The unmount page's ``/backup/{backup-Id}/cleanup``, at both paths the contract gives it.

    Removes every datastore mounted from the backup, also one vCenter still shows that the
    plug-in no longer lists as mounted (out of bound), in one job.
    """
    state = ctx.state
    backup = find_backup(state, ctx.params["backupId"])
    ctx.resource = backup.name

    def effect(end: datetime) -> None:
        leftovers = [m for m, d in state.datastores.items() if d.mounted_from == backup.id]
        for moref in leftovers + [m.moref for m in state.mounts_of_backup(backup.id)]:
            state.datastores.pop(moref, None)
            state.mounts.pop(moref, None)

    description = f"Cleanup of the datastores mounted from backup {backup.name}"
    result = start_job(ctx, "unmountBackup", description, backup.name, effect)
    result.message = "Cleanup triggered successfully"
    return result
