"""The records an emulated appliance keeps: vCenter objects, SCV objects, jobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Host:
    moref: str
    name: str


@dataclass
class Datastore:
    moref: str
    name: str
    type: str
    capacity: int
    free_space: int
    svm: str
    mounted_from: int | None = None
    esx_host: str | None = None

    @property
    def location(self) -> str:
        """Where the datastore's volume lives on storage, ``svm:/vol/volume``."""
        return f"{self.svm}:/vol/{self.name}"


@dataclass
class Disk:
    key: int
    label: str
    vmdk_name: str
    datastore: str
    location: str
    capacity: int
    from_backup: int | None = None
    source_location: str | None = None

    def as_location(self) -> dict[str, Any]:
        """The disk as an item of ``vmdkLocationsList``."""
        return {
            "vmdkName": self.vmdk_name,
            "datastore": self.datastore,
            "location": self.location,
            "diskKey": self.key,
            "capacityInBytes": self.capacity,
        }


@dataclass
class Vm:
    moref: str | None
    name: str
    uuid: str
    host: str
    disks: list[Disk]
    cpu_count: int = 2
    memory_mib: int = 4096
    power_state: str = "POWERED_ON"
    template: bool = False
    deleted: bool = False

    @property
    def datastores(self) -> list[str]:
        """Names of the datastores the VM's own disks live on, primary first."""
        names: list[str] = []
        for disk in self.disks:
            if disk.from_backup is None and disk.datastore not in names:
                names.append(disk.datastore)
        return names


@dataclass
class StorageSystem:
    """A storage VM or cluster as the plug-in keeps it (the request model's settings)."""

    name: str
    type: str
    cluster_name: str | None
    protocol: str = "HTTPS"
    port: int = 443
    #: None for a storage VM the plug-in added with its cluster: listed without a user.
    user_name: str | None = None
    timeout: int = 60
    platform_type: str | None = None
    preferred_ip: str = ""
    asup: bool = False
    syslog: bool = False
    #: The cluster whose addition brought this storage VM in, if it came that way.
    added_with: str | None = None

    def member(self, name: str) -> StorageSystem:
        """A storage VM that comes with this cluster: reached alike, with no user of its own."""
        return StorageSystem(
            name=name,
            type="SVM",
            cluster_name=self.name,
            protocol=self.protocol,
            port=self.port,
            timeout=self.timeout,
            platform_type=self.platform_type,
            asup=self.asup,
            syslog=self.syslog,
            added_with=self.name,
        )

    def as_dict(self) -> dict[str, Any]:
        """The storage system as the plug-in lists it (never the password; no user name
        for a storage VM that came with its cluster)."""
        listed: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "clusterName": self.cluster_name,
            "protocol": self.protocol,
            "port": self.port,
        }
        if self.user_name is not None:
            listed["userName"] = self.user_name
        listed.update(
            {
                "timeout": self.timeout,
                "platformType": self.platform_type,
                "preferredIp": self.preferred_ip,
                "asup": self.asup,
                "syslog": self.syslog,
            }
        )
        return listed


@dataclass
class Policy:
    id: int
    name: str
    frequency: str
    retention: dict[str, Any]
    description: str | None = None
    vm_consistency: bool = False
    include_independent_disks: bool = False
    snap_mirror_update: bool = False
    snap_vault_update: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "frequency": self.frequency,
            "retention": dict(self.retention),
            "vmConsistency": self.vm_consistency,
            "includeIndependentDisks": self.include_independent_disks,
            "snapMirrorUpdate": self.snap_mirror_update,
            "snapVaultUpdate": self.snap_vault_update,
        }


@dataclass
class Grouping:
    """A VM folder or a vSphere tag: one name for a set of VMs and datastores.

    A resource group may protect one as a whole; its backups cover the members.
    """

    id: str
    kind: str  # "vm-folder" or "tag"
    name: str
    members: list[str]  # morefs of VMs and datastores


@dataclass
class ResourceGroup:
    id: int
    name: str
    entities: list[str]
    policies: list[dict[str, Any]]
    description: str | None = None
    spanning_type: str = "EXCLUDE_ALL"
    notification: str = "NEVER"


@dataclass
class BackupCopy:
    """What one backup holds of one VM."""

    vm_uuid: str
    disks: list[Disk]
    partial: bool


@dataclass
class Backup:
    id: int
    name: str
    resource_group: str | None
    policy: str | None
    start: datetime
    end: datetime
    vms: dict[str, BackupCopy]
    datastores: list[str]
    locations: dict[str, str]
    vm_consistent: bool = False

    @property
    def partial(self) -> bool:
        return any(copy.partial for copy in self.vms.values())


@dataclass
class Mount:
    moref: str
    name: str
    backup_id: int
    datastore: str
    esx_host: str


@dataclass
class Job:
    id: int
    job_type: str
    description: str
    resource_name: str | None
    start: datetime
    duration: float
    effect: Callable[[datetime], None] | None = None
    never_finishes: bool = False
    #: the job ends FAILED at its end time, its effect never applied (``job-failure``)
    ends_failed: bool = False
    failed_at: datetime | None = None
    failed_progress: int = 0
    error_message: str | None = None
    settled: bool = False
    log: list[str] = field(default_factory=list)


@dataclass
class Schedule:
    name: str
    cron: str
    description: str


@dataclass
class AuditFile:
    name: str
    created: datetime
    modified: datetime
    content: bytearray
    sha256: str
    status: str = "ACTIVE"
    verified_time: datetime | None = None
    deleted: bool = False
    entries: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Registration:
    """The plug-in's registration as an extension of one vCenter (6.0)."""

    host: str
    port: int
    username: str
