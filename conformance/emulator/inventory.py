"""The seeded, deterministic inventory of a fresh emulated appliance.

Names and ids are fixed so that configurations can name them; the seed varies
uuids, sizes, CPU and memory, and how long ago each past backup and job ran.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from conformance.emulator.config import DEFAULT_USERNAME
from conformance.emulator.model import (
    Backup,
    BackupCopy,
    Datastore,
    Disk,
    Grouping,
    Host,
    Job,
    Policy,
    Registration,
    ResourceGroup,
    Schedule,
    StorageSystem,
    Vm,
)
from conformance.emulator.state import State

#: The keys the vendor's pages name, with the value an appliance runs with when unset.
CONFIGURATION_KEYS = {"FORCE_ZAPI": "false", "ENABLE_FSX": "false"}
#: Days jobs and job logs are kept by default (download-job-logs page, 4.7).
JOB_RETENTION = {"jobRetentionDays": 90, "jobLogRetentionDays": 30}
#: The vCenter the plug-in is registered with.
VCENTER_HOST = "vcenter.lab.local"

GIB = 1024**3
TIB = 1024**4
DATACENTER = "Datacenter-Lab"
CLUSTER = "cluster01"
LEGACY_VM_NAME = "legacy-crm01"
LEGACY_VM_UUID = "42071e9a-5c3d-4b2f-8e6a-1c0d2f3b4a5e"
FIRST_NEW_MOREF = 1001

HOSTS = (
    ("host-11", "esx01.lab.local"),
    ("host-12", "esx02.lab.local"),
    ("host-13", "esx03.lab.local"),
)
DATASTORES = (
    ("datastore-201", "nfs_ds01", "NFS", "svm-nfs01"),
    ("datastore-202", "nfs_ds02", "NFS", "svm-nfs01"),
    ("datastore-203", "vmfs_ds01", "VMFS", "svm-iscsi01"),
)
STORAGE_VMS = ("svm-nfs01", "svm-iscsi01")
#: The ONTAP clusters of the emulated storage network: name, the other names and addresses
#: it answers to, its storage VMs. cluster02 is not added yet; 192.168.20.9 is the address
#: in the example variables of NetApp's Ansible role, so that role, replayed as it is, adds it.
CLUSTERS = (
    (CLUSTER, ("cluster01.lab.local",), STORAGE_VMS),
    ("cluster02", ("cluster02.lab.local", "192.168.20.9"), ("svm-nas02", "svm-san02")),
)
# moref, name, host, template, disks as (datastore, count)
VMS: tuple[tuple[str | None, str, str, bool, tuple[tuple[str, int], ...]], ...] = (
    ("vm-101", "finance-app01", "esx01.lab.local", False, (("nfs_ds01", 3),)),
    ("vm-102", "finance-db01", "esx02.lab.local", False, (("nfs_ds01", 1), ("vmfs_ds01", 1))),
    ("vm-103", "web-frontend01", "esx03.lab.local", False, (("nfs_ds02", 2),)),
    ("vm-104", "hr-app01", "esx01.lab.local", False, (("vmfs_ds01", 2),)),
    ("vm-105", "rhel9-template", "esx02.lab.local", True, (("nfs_ds01", 1),)),
    (None, LEGACY_VM_NAME, "esx03.lab.local", False, (("nfs_ds02", 2),)),
    # more VMs like finance-app01 (backed up, on nfs_ds01): the scenarios' pool `vms`
    ("vm-106", "finance-app02", "esx02.lab.local", False, (("nfs_ds01", 2),)),
    ("vm-107", "finance-app03", "esx03.lab.local", False, (("nfs_ds01", 2),)),
    ("vm-108", "finance-app04", "esx01.lab.local", False, (("nfs_ds01", 2),)),
    ("vm-109", "finance-app05", "esx02.lab.local", False, (("nfs_ds01", 2),)),
    ("vm-110", "finance-app06", "esx03.lab.local", False, (("nfs_ds01", 2),)),
)
#: The VMs like finance-app01, besides it.
POOL_VMS = ("finance-app02", "finance-app03", "finance-app04", "finance-app05", "finance-app06")
# VM folders and vSphere tags a resource group can protect: (id, kind, name, members)
GROUPINGS = (
    ("group-v301", "vm-folder", "Finance", ("vm-101", "vm-102")),
    (
        "urn:vmomi:InventoryServiceTag:5f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b:GLOBAL",
        "tag",
        "backup-web",
        ("vm-103", "datastore-202"),
    ),
)
POLICIES = (
    (1, "Daily-7", "DAILY", "DAYS", 7, "Daily backups kept for seven days"),
    (2, "Hourly-24", "HOURLY", "COUNT", 24, "Hourly backups, the last 24 kept"),
    (3, "Weekly-4", "WEEKLY", "COUNT", 4, "Weekly backups, the last 4 kept"),
)
GROUPS = (
    (1, "RG-Finance", "Finance VMs", ("vm-101", "vm-102"), 1, "DAILY", "01:00"),
    (2, "RG-Web", "Web tier datastore", ("datastore-202",), 2, "HOURLY", "00:30"),
)
SCHEDULES = (
    ("Schedule-DatabaseDump", "0 0 1 * * ?", "Dumps the appliance's MySQL database"),
    ("Schedule-PurgeBackups", "0 0 2 * * ?", "Purges backups past their retention"),
    ("Schedule-AsupDataCollection", "0 0 3 ? * SUN", "Collects AutoSupport data"),
    ("Schedule-ComputeStorageSaving", "0 30 4 * * ?", "Computes storage efficiency savings"),
    ("Schedule-PurgeJobs", "0 0 5 * * ?", "Purges old job records"),
)


def describe_inventory() -> list[tuple[str, str, str]]:
    """Rows (kind, name, id) of the seeded inventory, the same for every seed."""
    rows = [("datacenter", DATACENTER, DATACENTER)]
    rows += [("esxi-host", name, moref) for moref, name in HOSTS]
    rows += [("datastore", f"{name} ({kind})", moref) for moref, name, kind, _ in DATASTORES]
    for moref, name, _host, template, _disks in VMS:
        if moref is None:
            rows.append(("deleted-vm", name, LEGACY_VM_UUID))
        else:
            rows.append(("vm-template" if template else "vm", name, moref))
    rows += [(kind, name, ident) for ident, kind, name, _members in GROUPINGS]
    rows += [("storage-vm", name, CLUSTER) for name in STORAGE_VMS]
    rows += [("ontap-cluster", name, ", ".join(names)) for name, names, _svms in CLUSTERS]
    rows += [("policy", name, str(pid)) for pid, name, *_ in POLICIES]
    rows += [("resource-group", name, str(gid)) for gid, name, *_ in GROUPS]
    rows += [("schedule", name, cron) for name, cron, _ in SCHEDULES]
    return rows


def cluster_at(name: str) -> tuple[str, ...] | None:
    """The storage VMs of the emulated cluster that ``name`` reaches, None for no cluster."""
    for cluster, names, svms in CLUSTERS:
        if name == cluster or name in names:
            return svms
    return None


def _uuid(rng: random.Random) -> str:
    digits = f"{rng.getrandbits(128):032x}"
    return f"4207{digits[4:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:32]}"


def _disks(rng: random.Random, vm_name: str, layout: tuple[tuple[str, int], ...]) -> list[Disk]:
    disks: list[Disk] = []
    for datastore, count in layout:
        for _ in range(count):
            index = len(disks)
            file = f"{vm_name}.vmdk" if index == 0 else f"{vm_name}_{index}.vmdk"
            disks.append(
                Disk(
                    key=2000 + index,
                    label=f"Hard disk {index + 1}",
                    vmdk_name=file,
                    datastore=datastore,
                    location=f"[{datastore}] {vm_name}/{file}",
                    capacity=rng.choice((16, 20, 40, 60, 100)) * GIB,
                )
            )
    return disks


def backup_name(group: str, start: datetime) -> str:
    """A backup's name as SCV forms it: group, date and time with milliseconds."""
    return f"{group}_{start:%m-%d-%Y_%H.%M.%S}.{start.microsecond // 1000:04d}"


def populate(state: State, seed: int, now: datetime) -> None:
    """Fill a fresh state with the seeded inventory, relative to ``now``."""
    rng = random.Random(seed)
    for moref, name in HOSTS:
        state.hosts[moref] = Host(moref, name)
    for moref, name, kind, svm in DATASTORES:
        capacity = rng.choice((1, 2, 4)) * TIB
        free = int(capacity * rng.uniform(0.2, 0.8))
        state.datastores[moref] = Datastore(moref, name, kind, capacity, free, svm)
    for vm_moref, name, host, template, layout in VMS:
        uuid = _uuid(rng) if vm_moref is not None else LEGACY_VM_UUID
        state.vms[uuid] = Vm(
            moref=vm_moref,
            name=name,
            uuid=uuid,
            host=host,
            disks=_disks(rng, name, layout),
            cpu_count=rng.choice((1, 2, 4, 8)),
            memory_mib=rng.choice((2048, 4096, 8192, 16384)),
            power_state="POWERED_OFF" if template else "POWERED_ON",
            template=template,
            deleted=vm_moref is None,
        )
    for ident, kind, name, members in GROUPINGS:
        state.groupings[ident] = Grouping(ident, kind, name, list(members))
    for name in STORAGE_VMS:
        state.storage[name] = StorageSystem(name, "SVM", CLUSTER, user_name="vsadmin")
    for pid, name, frequency, kind, value, description in POLICIES:
        retention = {"type": kind, "value": value}
        state.policies[pid] = Policy(pid, name, frequency, retention, description)
    for gid, name, description, entities, pid, frequency, start in GROUPS:
        schedule = {"type": frequency, "startTime": start, "interval": 1}
        assignment = {"id": pid, "frequency": schedule}
        state.groups[gid] = ResourceGroup(gid, name, list(entities), [assignment], description)
    for name, cron, description in SCHEDULES:
        state.schedules[name] = Schedule(name, cron, description)
    state.audit_config = {
        "retentionDays": 30,
        "maxFileSizeInMB": 10,
        "syslog": {"enabled": False, "server": "syslog.lab.local", "port": 6514, "protocol": "TLS"},
    }
    state.configuration = dict(CONFIGURATION_KEYS)
    state.job_retention = dict(JOB_RETENTION)
    state.registration = Registration(VCENTER_HOST, 443, DEFAULT_USERNAME)
    _past_backups(state, rng, now)
    state.start_counter("policy", len(POLICIES) + 1)
    state.start_counter("group", len(GROUPS) + 1)
    state.start_counter("backup", len(state.backups) + 1)
    state.start_counter("job", len(state.jobs) + 1)
    state.start_counter("vm", FIRST_NEW_MOREF)
    state.start_counter("datastore", FIRST_NEW_MOREF)


def _copy(vm: Vm, datastores: tuple[str, ...]) -> BackupCopy:
    disks = [disk for disk in vm.disks if disk.datastore in datastores]
    return BackupCopy(vm.uuid, disks, partial=len(disks) < len(vm.disks))


def _past_backups(state: State, rng: random.Random, now: datetime) -> None:
    by_name = {vm.name: vm for vm in state.vms.values()}
    # (hours ago, group, policy, VM names, datastores)
    plan = (
        (68, "RG-Legacy", "Daily-7", (LEGACY_VM_NAME,), ("nfs_ds02",)),
        (60, "RG-Templates", "Weekly-4", ("rhel9-template",), ("nfs_ds01",)),
        (47, "RG-Finance", "Daily-7", ("finance-app01", "finance-db01"), ("nfs_ds01", "vmfs_ds01")),
        (23, "RG-Finance", "Daily-7", ("finance-app01", "finance-db01"), ("nfs_ds01",)),
        (5, "RG-Web", "Hourly-24", ("web-frontend01",), ("nfs_ds02",)),
        (21, "RG-Finance-Apps", "Daily-7", POOL_VMS, ("nfs_ds01",)),
    )
    for backup_id, (hours, group, policy, vm_names, datastores) in enumerate(plan, start=1):
        start = now - timedelta(hours=hours, minutes=rng.randint(0, 50), seconds=rng.randint(0, 59))
        start = start.replace(microsecond=rng.randint(0, 999) * 1000)
        end = start + timedelta(seconds=rng.randint(40, 200))
        locations = {ds: state.datastore_named(ds).location for ds in datastores}  # type: ignore[union-attr]
        copies = {by_name[n].uuid: _copy(by_name[n], datastores) for n in vm_names}
        name = backup_name(group, start)
        state.backups[backup_id] = Backup(
            backup_id, name, group, policy, start, end, copies, list(datastores), locations
        )
        job = Job(
            id=backup_id,
            job_type="backup",
            description=f"Backup of resource group {group}",
            resource_name=group,
            start=start,
            duration=(end - start).total_seconds(),
            settled=True,
        )
        state.jobs[backup_id] = job
        day = start - timedelta(seconds=1)
        state.audit.append(day, DEFAULT_USERNAME, "backupResourceGroupNow", group, "SUCCESS")
    for audit_file in state.audit.files.values():
        if audit_file.status != "ACTIVE":  # the built-in schedule has verified them
            audit_file.verified_time = audit_file.modified
