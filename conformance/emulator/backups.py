"""What a backup of a resource group holds, and recording a new backup."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conformance.emulator.clock import iso
from conformance.emulator.inventory import backup_name
from conformance.emulator.model import Backup, BackupCopy, ResourceGroup, Vm
from conformance.emulator.state import State


def group_scope(state: State, group: ResourceGroup) -> tuple[list[Vm], list[str]]:
    """The VMs and datastore names a backup of ``group`` covers.

    VM entities bring their primary datastore; datastore entities bring the VMs on them;
    a VM folder or a tag brings its members.
    Other datastores a VM spans are included only with INCLUDE_ALL, so under EXCLUDE_ALL
    (and MANUAL) a spanning VM's backup is partial.
    """
    vms: list[Vm] = []
    datastores: list[str] = []

    def add_datastore(name: str) -> None:
        if name not in datastores:
            datastores.append(name)

    def add_vm(vm: Vm) -> None:
        if vm not in vms:
            vms.append(vm)

    entities: list[str] = []
    for entity in group.entities:
        grouping = state.groupings.get(entity)
        entities += grouping.members if grouping is not None else [entity]
    for entity in entities:
        if entity.startswith("vm-"):
            vm = state.vm_by_moref(entity)
            if vm is not None:
                add_vm(vm)
                if vm.datastores:
                    add_datastore(vm.datastores[0])
        else:
            datastore = state.datastores.get(entity)
            if datastore is not None:
                add_datastore(datastore.name)
                for vm in state.vms_on_datastore(datastore.name):
                    add_vm(vm)
    if group.spanning_type == "INCLUDE_ALL":
        for vm in vms:
            for name in vm.datastores:
                add_datastore(name)
    return vms, datastores


def record_backup(
    state: State, group: ResourceGroup, policy_name: str, start: datetime, end: datetime
) -> Backup:
    """Add the backup of ``group`` that a job started at ``start`` produced."""
    vms, datastores = group_scope(state, group)
    copies = {}
    for vm in vms:
        own = [d for d in vm.disks if d.from_backup is None]
        held = [d for d in own if d.datastore in datastores]
        copies[vm.uuid] = BackupCopy(vm.uuid, held, partial=len(held) < len(own))
    locations = {}
    for name in datastores:
        datastore = state.datastore_named(name)
        if datastore is not None:
            locations[name] = datastore.location
    backup = Backup(
        id=state.next_id("backup"),
        name=backup_name(group.name, start),
        resource_group=group.name,
        policy=policy_name,
        start=start,
        end=end,
        vms=copies,
        datastores=datastores,
        locations=locations,
    )
    state.backups[backup.id] = backup
    return backup


def backup_view(state: State, backup: Backup, vm: Vm | None = None) -> dict[str, Any]:
    """A backup as listed for a VM (partial for that VM) or a datastore."""
    partial = backup.vms[vm.uuid].partial if vm is not None else backup.partial
    return {
        "backupId": backup.id,
        "backupName": backup.name,
        "resourceGroupName": backup.resource_group,
        "policyName": backup.policy,
        "startTime": iso(backup.start),
        "endTime": iso(backup.end),
        "partialBackup": partial,
        "vmConsistent": backup.vm_consistent,
        "mounted": bool(state.mounts_of_backup(backup.id)),
    }


def snapshot_locations(backup: Backup) -> list[dict[str, Any]]:
    return [
        {"datastore": name, "location": location, "snapshotName": backup.name, "primary": True}
        for name, location in backup.locations.items()
    ]
