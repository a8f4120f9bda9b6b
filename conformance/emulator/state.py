"""All mutable state of one emulated appliance, behind one lock."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator
from typing import Any

from conformance.emulator.audit import AuditLog
from conformance.emulator.auth import TokenStore
from conformance.emulator.model import (
    Backup,
    Datastore,
    Grouping,
    Host,
    Job,
    Mount,
    Policy,
    Registration,
    ResourceGroup,
    Schedule,
    StorageSystem,
    Vm,
)

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class State:
    """The appliance's records; change them only while holding ``lock``."""

    def __init__(self, tokens: TokenStore) -> None:
        self.lock = threading.Lock()
        self.tokens = tokens
        self.hosts: dict[str, Host] = {}
        self.datastores: dict[str, Datastore] = {}
        self.vms: dict[str, Vm] = {}
        self.groupings: dict[str, Grouping] = {}
        self.storage: dict[str, StorageSystem] = {}
        self.policies: dict[int, Policy] = {}
        self.groups: dict[int, ResourceGroup] = {}
        self.backups: dict[int, Backup] = {}
        self.mounts: dict[str, Mount] = {}
        self.jobs: dict[int, Job] = {}
        self.pending: list[Job] = []
        self.schedules: dict[str, Schedule] = {}
        self.audit = AuditLog()
        self.audit_config: dict[str, Any] = {}
        self.syslog_cert: dict[str, Any] | None = None
        #: configuration keys and their values (``FORCE_ZAPI``: ``"false"``)
        self.configuration: dict[str, str] = {}
        #: days jobs and job logs are kept (``jobRetentionDays``, ``jobLogRetentionDays``)
        self.job_retention: dict[str, int] = {}
        self.registration: Registration | None = None
        self.counters: dict[str, Iterator[int]] = {}

    def next_id(self, kind: str) -> int:
        """The next id of ``kind`` (counters are seeded by the inventory)."""
        return next(self.counters[kind])

    def start_counter(self, kind: str, first: int) -> None:
        self.counters[kind] = itertools.count(first)

    def vm_by_moref(self, moref: str) -> Vm | None:
        for vm in self.vms.values():
            if vm.moref == moref and not vm.deleted:
                return vm
        return None

    def vm_by_ref(self, ref: str) -> Vm | None:
        """A VM by moref (existing VMs) or by uuid (also deleted VMs)."""
        if _UUID.match(ref):
            return self.vms.get(ref.lower())
        return self.vm_by_moref(ref)

    def live_vms(self) -> list[Vm]:
        return [vm for vm in self.vms.values() if not vm.deleted]

    def datastore_named(self, name: str) -> Datastore | None:
        for datastore in self.datastores.values():
            if datastore.name == name:
                return datastore
        return None

    def host_named(self, name: str) -> Host | None:
        for host in self.hosts.values():
            if host.name == name:
                return host
        return None

    def policy_named(self, name: str) -> Policy | None:
        wanted = name.casefold()
        for policy in self.policies.values():
            if policy.name.casefold() == wanted:
                return policy
        return None

    def group_named(self, name: str) -> ResourceGroup | None:
        wanted = name.casefold()
        for group in self.groups.values():
            if group.name.casefold() == wanted:
                return group
        return None

    def vms_on_datastore(self, name: str) -> list[Vm]:
        return [vm for vm in self.live_vms() if name in vm.datastores]

    def backups_of_vm(self, vm: Vm) -> list[Backup]:
        """The VM's backups, newest first."""
        found = [b for b in self.backups.values() if vm.uuid in b.vms]
        return sorted(found, key=lambda b: (b.start, b.id), reverse=True)

    def backups_of_datastore(self, name: str) -> list[Backup]:
        found = [b for b in self.backups.values() if name in b.datastores]
        return sorted(found, key=lambda b: (b.start, b.id), reverse=True)

    def mounts_of_backup(self, backup_id: int) -> list[Mount]:
        return [m for m in self.mounts.values() if m.backup_id == backup_id]
