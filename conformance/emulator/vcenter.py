"""A minimal vCenter REST API (sessions, VMs, datastores, hosts, disks, deleting a VM) on the
same server."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from conformance.emulator.auth import SessionStore
from conformance.emulator.model import Disk
from conformance.emulator.state import State

SESSION_HEADER = "vmware-api-session-id"


def _error(kind: str, text: str) -> dict[str, Any]:
    return {"error_type": kind, "messages": [{"id": kind.lower(), "default_message": text}]}


def _disk_info(disk: Disk) -> dict[str, Any]:
    return {
        "label": disk.label,
        "type": "SCSI",
        "capacity": disk.capacity,
        "backing": {"type": "VMDK_FILE", "vmdk_file": disk.location},
    }


def instance_uuid(bios_uuid: str) -> str:
    """A VM's vCenter instance uuid (vCenter's start with 50), derived from its BIOS uuid."""
    return f"50{bios_uuid[2:]}"


class VCenterApi:
    """Answers /api/session and /api/vcenter/... from the emulator's inventory.

    Sessions expire after ``sessions``' idle time, as vCenter's do.
    """

    def __init__(self, state: State, sessions: SessionStore) -> None:
        self._state = state
        self.sessions = sessions

    @staticmethod
    def handles(path: str) -> bool:
        return path == "/api/session" or path.startswith("/api/vcenter/")

    def _login(self, authorization: str | None, now: datetime) -> tuple[int, Any]:
        scheme, _, encoded = (authorization or "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
        if scheme.lower() != "basic" or not self._state.tokens.credentials_match(user, password):
            return 401, _error("UNAUTHENTICATED", "Authentication required.")
        return 201, self.sessions.issue(user, now)

    def handle(
        self, method: str, path: str, query: bytes, headers: dict[str, str], now: datetime
    ) -> tuple[int, Any]:
        """Status and JSON body of one vCenter call; call it holding the state lock."""
        if path == "/api/session":
            if method == "POST":
                return self._login(headers.get("authorization"), now)
            if method == "DELETE":
                self.sessions.revoke(headers.get(SESSION_HEADER))
                return 204, None
            return 405, _error("METHOD_NOT_ALLOWED", "Method not allowed.")
        if self.sessions.owner(headers.get(SESSION_HEADER), now) is None:
            return 401, _error("UNAUTHENTICATED", "Authentication required.")
        parts = path[len("/api/vcenter/") :].split("/")
        if method == "DELETE" and len(parts) == 2 and parts[0] == "vm":
            return self._delete_vm(parts[1])
        if method != "GET":
            return 405, _error("METHOD_NOT_ALLOWED", "Method not allowed.")
        names = parse_qs(query.decode("latin-1")).get("names")
        if parts == ["vm"]:
            return 200, self._vms(names)
        if parts == ["datastore"]:
            return 200, self._datastores(names)
        if parts == ["host"]:
            return 200, self._hosts(names)
        if len(parts) == 2 and parts[0] == "vm":
            return self._vm(parts[1])
        if len(parts) in (4, 5) and parts[0] == "vm" and parts[2:4] == ["hardware", "disk"]:
            return self._disks(parts[1], parts[4] if len(parts) == 5 else None)
        return 404, _error("NOT_FOUND", f"No such resource {path}.")

    def _vm(self, moref: str) -> tuple[int, Any]:
        """A VM's details as vSphere answers them: its disks keyed by id, with backing."""
        vm = self._state.vm_by_moref(moref)
        if vm is None:
            return 404, _error("NOT_FOUND", f"Virtual machine {moref} not found.")
        return 200, {
            "name": vm.name,
            "identity": {
                "name": vm.name,
                "bios_uuid": vm.uuid,
                "instance_uuid": instance_uuid(vm.uuid),
            },
            "power_state": vm.power_state,
            "cpu": {"count": vm.cpu_count},
            "memory": {"size_MiB": vm.memory_mib},
            "disks": {str(d.key): _disk_info(d) for d in vm.disks},
        }

    def _delete_vm(self, moref: str) -> tuple[int, Any]:
        """Delete a powered-off VM, as vSphere does (400 while it runs, 404 once gone).

        SCV keeps the VM's backups: it becomes a deleted VM again, restorable by its uuid.
        """
        vm = self._state.vm_by_moref(moref)
        if vm is None:
            return 404, _error("NOT_FOUND", f"Virtual machine {moref} not found.")
        if vm.power_state == "POWERED_ON":
            return 400, _error(
                "NOT_ALLOWED_IN_CURRENT_STATE", f"Virtual machine {moref} is powered on."
            )
        vm.deleted = True
        vm.moref = None
        return 204, None

    def _disks(self, moref: str, key: str | None) -> tuple[int, Any]:
        """As vSphere answers: the list names disk ids, one disk's details hold its file."""
        vm = self._state.vm_by_moref(moref)
        if vm is None:
            return 404, _error("NOT_FOUND", f"Virtual machine {moref} not found.")
        if key is None:
            return 200, [{"disk": str(d.key)} for d in vm.disks]
        for disk in vm.disks:
            if str(disk.key) == key:
                return 200, _disk_info(disk)
        return 404, _error("NOT_FOUND", f"Virtual disk {key} of {moref} not found.")

    def _vms(self, names: list[str] | None) -> list[dict[str, Any]]:
        return [
            {
                "vm": vm.moref,
                "name": vm.name,
                "power_state": vm.power_state,
                "cpu_count": vm.cpu_count,
                "memory_size_MiB": vm.memory_mib,
            }
            for vm in self._state.live_vms()
            if names is None or vm.name in names
        ]

    def _datastores(self, names: list[str] | None) -> list[dict[str, Any]]:
        return [
            {
                "datastore": d.moref,
                "name": d.name,
                "type": d.type,
                "free_space": d.free_space,
                "capacity": d.capacity,
            }
            for d in self._state.datastores.values()
            if names is None or d.name in names
        ]

    def _hosts(self, names: list[str] | None) -> list[dict[str, Any]]:
        return [
            {
                "host": h.moref,
                "name": h.name,
                "connection_state": "CONNECTED",
                "power_state": "POWERED_ON",
            }
            for h in self._state.hosts.values()
            if names is None or h.name in names
        ]
