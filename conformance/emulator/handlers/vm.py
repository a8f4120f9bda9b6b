"""Handlers of the vm tag: VM backups, restores and VMDK operations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conformance.emulator import jobs
from conformance.emulator.alternatives import esx_hosts_key
from conformance.emulator.backups import backup_view, snapshot_locations
from conformance.emulator.errors import bad_request, conflict, found
from conformance.emulator.handlers.lookups import (
    check_host,
    check_location,
    find_backup,
    find_vm,
    find_vm_backup,
    host_names,
)
from conformance.emulator.handlers.registry import Context, Result, operation, start_job
from conformance.emulator.model import Backup, Disk, Vm
from conformance.emulator.state import State


def _backup_disk(backup: Backup, vm: Vm, item: dict[str, Any]) -> Disk:
    for disk in backup.vms[vm.uuid].disks:
        if disk.location == item["location"]:
            return disk
    raise bad_request(f"VMDK {item['location']} is not in backup {backup.id}")


def _attached_disk(vm: Vm, item: dict[str, Any]) -> Disk:
    for disk in vm.disks:
        if disk.from_backup is not None and item["location"] in (
            disk.location,
            disk.source_location,
        ):
            return disk
    raise bad_request(f"VMDK {item['location']} is not attached from a backup to VM {vm.name}")


def _running(state: State, job_type: str, resource: str, now: datetime) -> bool:
    return any(
        j.job_type == job_type and j.resource_name == resource and jobs.is_running(j, now)
        for j in state.pending
    )


@operation("getVmBackups")
def get_vm_backups(ctx: Context) -> Result:
    vm = find_vm(ctx.state, ctx.params["moref"])
    listed = [backup_view(ctx.state, b, vm) for b in ctx.state.backups_of_vm(vm)]
    return Result({"backupResponseList": listed})


@operation("getVmSnapshotLocations")
def get_vm_snapshot_locations(ctx: Context) -> Result:
    backup = find_backup(ctx.state, ctx.params["backupId"])
    return Result({"snapshotLocationsList": snapshot_locations(backup)})


@operation("getVmAvailableEsxHosts")
def get_vm_available_esx_hosts(ctx: Context) -> Result:
    find_vm(ctx.state, ctx.params["moref"])
    return Result({esx_hosts_key(ctx.config): host_names(ctx.state)})


@operation("restoreVm")
def restore_vm(ctx: Context) -> Result:
    state = ctx.state
    vm = find_vm(state, ctx.params["moref"])
    backup = find_vm_backup(state, vm, ctx.params["backupId"])
    ctx.resource = vm.name
    restart = ctx.body.get("restartVM", False)
    if vm.template and not ctx.hooks.relaxes("template-restore"):
        raise bad_request("A VM template cannot be restored")
    if restart and backup.vms[vm.uuid].partial:
        raise bad_request("restartVM must be false for a partial backup")
    for location in ctx.body["restoreLocations"]:
        check_host(state, location["esxHost"])
        check_location(backup, location["datastore"], location["location"])
    if _running(state, "restore", vm.name, ctx.now):
        raise conflict(f"A restore of VM {vm.name} is already running")

    def effect(end: datetime) -> None:
        if vm.deleted:
            vm.moref = f"vm-{state.next_id('vm')}"
            vm.deleted = False
        vm.power_state = "POWERED_ON" if restart and not vm.template else "POWERED_OFF"

    result = start_job(ctx, "restore", f"Restore of VM {vm.name}", vm.name, effect)
    result.message = "Restore triggered successfully"
    return result


@operation("getVmdkLocations")
def get_vmdk_locations(ctx: Context) -> Result:
    vm = find_vm(ctx.state, ctx.params["moref"])
    return Result({"vmdkLocationsList": [d.as_location() for d in vm.disks]})


@operation("getBackupVmdkLocations")
def get_backup_vmdk_locations(ctx: Context) -> Result:
    vm = find_vm(ctx.state, ctx.params["moref"])
    backup = find_vm_backup(ctx.state, vm, ctx.params["backupId"])
    disks = backup.vms[vm.uuid].disks
    return Result({"vmdkLocationsList": [d.as_location() for d in disks]})


@operation("getAvailableDatastores")
def get_available_datastores(ctx: Context) -> Result:
    vm = find_vm(ctx.state, ctx.params["moref"])
    find_vm_backup(ctx.state, vm, ctx.params["backupId"])
    names = sorted(d.name for d in ctx.state.datastores.values() if d.mounted_from is None)
    return Result({"DatastoreNameList": names})


@operation("restoreVmdks")
def restore_vmdks(ctx: Context) -> Result:
    state = ctx.state
    vm = find_vm(state, ctx.params["moref"])
    backup = find_vm_backup(state, vm, ctx.params["backupId"])
    ctx.resource = vm.name
    check_host(state, ctx.body["esxHost"])
    for item in ctx.body["vmdkRestoreLocations"]:
        source = item["restoreFromLocation"]
        check_location(backup, source["datastore"], source["location"])
        _backup_disk(backup, vm, item["vmdkToRestore"])
        target = item["restoreToDatastore"]
        if state.datastore_named(target) is None:
            raise bad_request(f"Datastore {target} not found")
    result = start_job(ctx, "restore", f"Restore of VMDKs of VM {vm.name}", vm.name)
    result.message = "VMDK restore triggered successfully"
    return result


@operation("attachVmdks")
def attach_vmdks(ctx: Context) -> Result:
    state = ctx.state
    vm = find_vm(state, ctx.params["moref"])
    body = ctx.body
    backup = find_vm_backup(state, vm, body["backupId"])
    target = vm
    if "alternateVmMoref" in body:
        moref = body["alternateVmMoref"]
        target = found(state.vm_by_moref(moref), f"VM {moref}")
    if "esxHost" in body:
        check_host(state, body["esxHost"])
    ctx.resource = target.name
    disks = [_backup_disk(backup, vm, item) for item in body["vmdkLocations"]]

    def effect(end: datetime) -> None:
        for disk in disks:
            key = max((d.key for d in target.disks), default=1999) + 1
            mounted = f"snap-{backup.id}-{disk.datastore}"
            target.disks.append(
                Disk(
                    key=key,
                    label=f"Hard disk {len(target.disks) + 1}",
                    vmdk_name=disk.vmdk_name,
                    datastore=mounted,
                    location=disk.location.replace(f"[{disk.datastore}]", f"[{mounted}]", 1),
                    capacity=disk.capacity,
                    from_backup=backup.id,
                    source_location=disk.location,
                )
            )

    result = start_job(ctx, "attachVmdk", f"Attach VMDKs to VM {target.name}", target.name, effect)
    result.message = "Attach triggered successfully"
    return result


@operation("detachVmdks")
def detach_vmdks(ctx: Context) -> Result:
    vm = find_vm(ctx.state, ctx.params["moref"])
    ctx.resource = vm.name
    disks = [_attached_disk(vm, item) for item in ctx.body["vmdksToDetach"]]

    def effect(end: datetime) -> None:
        for disk in disks:
            if disk in vm.disks:
                vm.disks.remove(disk)

    result = start_job(ctx, "detachVmdk", f"Detach VMDKs from VM {vm.name}", vm.name, effect)
    result.message = "Detach triggered successfully"
    return result
