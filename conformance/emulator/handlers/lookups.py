"""Lookups and checks shared by the handlers; each raises the right 4xx."""

from __future__ import annotations

from conformance.emulator.errors import bad_request, conflict, found, not_found
from conformance.emulator.model import Backup, Datastore, Policy, ResourceGroup, Vm
from conformance.emulator.state import State


def find_vm(state: State, ref: str) -> Vm:
    """A VM by moref, or by uuid (which also finds deleted VMs)."""
    return found(state.vm_by_ref(ref), f"VM {ref}")


def find_backup(state: State, backup_id: int) -> Backup:
    return found(state.backups.get(backup_id), f"Backup with id {backup_id}")


def find_vm_backup(state: State, vm: Vm, backup_id: int) -> Backup:
    backup = find_backup(state, backup_id)
    if vm.uuid not in backup.vms:
        raise not_found(f"Backup with id {backup_id} not found for VM {vm.name}")
    return backup


def find_datastore(state: State, moref: str) -> Datastore:
    return found(state.datastores.get(moref), f"Datastore {moref}")


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


def check_name_free(
    holder: Policy | ResourceGroup | None, kind: str, own: int | None = None
) -> None:
    """409 when ``holder`` of the name asked for is another ``kind`` than the one with id
    ``own`` (the one being renamed; None when creating): names are unique, case aside."""
    if holder is not None and holder.id != own:
        raise conflict(f"A {kind} named {holder.name} already exists")
