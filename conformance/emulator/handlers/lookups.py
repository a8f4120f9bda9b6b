"""Lookups shared by the VM and datastore handlers; each raises the right 4xx."""

from __future__ import annotations

from conformance.emulator.errors import bad_request, not_found
from conformance.emulator.model import Backup, Datastore, Vm
from conformance.emulator.state import State


def find_vm(state: State, ref: str) -> Vm:
    """A VM by moref, or by uuid (which also finds deleted VMs)."""
    vm = state.vm_by_ref(ref)
    if vm is None:
        raise not_found(f"VM {ref} not found")
    return vm


def find_backup(state: State, backup_id: int) -> Backup:
    backup = state.backups.get(backup_id)
    if backup is None:
        raise not_found(f"Backup with id {backup_id} not found")
    return backup


def find_vm_backup(state: State, vm: Vm, backup_id: int) -> Backup:
    backup = find_backup(state, backup_id)
    if vm.uuid not in backup.vms:
        raise not_found(f"Backup with id {backup_id} not found for VM {vm.name}")
    return backup


def find_datastore(state: State, moref: str) -> Datastore:
    datastore = state.datastores.get(moref)
    if datastore is None:
        raise not_found(f"Datastore {moref} not found")
    return datastore


def check_host(state: State, name: str) -> None:
    if state.host_named(name) is None:
        raise bad_request(f"ESXi host {name} not found")


def host_names(state: State) -> list[str]:
    return sorted(host.name for host in state.hosts.values())


def check_location(backup: Backup, datastore: str, location: str | None = None) -> None:
    """400 unless ``datastore`` (at ``location``) is a snapshot location of ``backup``."""
    if datastore not in backup.locations:
        raise bad_request(f"Datastore {datastore} is not in backup {backup.id}")
    if location is not None and backup.locations[datastore] != location:
        raise bad_request(f"Location {location} does not belong to datastore {datastore}")
