"""A small integration of SCV for the tests: it restores a VM as the documentation says,
or makes exactly one mistake on the way.

It finds the VM's moref in vCenter, lists the VM's backups, notes the newest one's snapshot
locations and an ESXi host, restores the VM without restarting it and follows the restore
job to its end. Each :data:`MISTAKES` entry changes one thing, on one operation.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

#: mistake -> (the operation it is made on, the rule the proxy must name)
MISTAKES = {
    "misspelled-field": ("restoreVm", "client_misspelled_field"),
    "missing-token": ("getVmAvailableEsxHosts", "client_token_required"),
    "made-up-id": ("getVmSnapshotLocations", "client_value_provenance"),
    "forbidden-character": ("getVmBackups", "client_url_characters"),
    "business-rule": ("restoreVm", "client_business_rules"),
    "wrong-method": ("DELETE /4.1/jobs/{id}", "client_operation_exists"),
}
#: A mistake that is a deviation, not a failure.
LOGIN_EVERY_CALL = "login-every-call"
VM = "finance-app01"
PARTIAL_BACKUP_VM = "finance-db01"


class Integration:
    """The integration, pointed at ``scv`` (``.../api``) and ``vcenter``."""

    def __init__(
        self, scv: str, vcenter: str, username: str, password: str, mistake: str | None = None
    ) -> None:
        self.scv = httpx.Client(base_url=scv, timeout=30)
        self.vcenter = httpx.Client(base_url=vcenter, timeout=30)
        self.username = username
        self.password = password
        self.mistake = mistake
        self.token: str | None = None

    def close(self) -> None:
        self.scv.close()
        self.vcenter.close()

    def _login(self) -> str:
        answer = self.scv.post(
            "/4.1/auth/login", json={"username": self.username, "password": self.password}
        )
        answer.raise_for_status()
        return str(answer.json()["response"]["token"])

    def _headers(self) -> dict[str, str]:
        if self.mistake == LOGIN_EVERY_CALL or self.token is None:
            self.token = self._login()
        return {"Token": self.token, "Accept": "application/json"}

    def _get(self, path: str, token: bool = True) -> Any:
        headers = self._headers() if token else {"Accept": "application/json"}
        return self.scv.get(path, headers=headers).json()

    def moref(self, name: str) -> str:
        session = self.vcenter.post("/api/session", auth=(self.username, self.password)).json()
        vms = self.vcenter.get("/api/vcenter/vm", headers={"vmware-api-session-id": session})
        return str(next(vm["vm"] for vm in vms.json() if vm["name"] == name))

    def run(self) -> None:
        """Restore the VM (the partial-backup VM for the business-rule mistake)."""
        restart = self.mistake == "business-rule"
        vm = self.moref(PARTIAL_BACKUP_VM if restart else VM)
        shown = f"{vm}.lab" if self.mistake == "forbidden-character" else vm
        backups = self._get(f"/4.1/vm/{shown}/backups")
        if self.mistake == "forbidden-character":
            backups = self._get(f"/4.1/vm/{vm}/backups")
        newest = backups["response"]["backupResponseList"][0]
        backup = newest["backupId"]
        if self.mistake == "made-up-id":
            backup = 1 if backup != 1 else 2  # a backup the appliance has, never listed
        locations = self._get(f"/4.1/vm/backups/{backup}/snapshotlocations")
        location = locations["response"]["snapshotLocationsList"][0]
        hosts = self._get(
            f"/4.1/vm/{vm}/backups/availableesxhosts", token=self.mistake != "missing-token"
        )
        listed = (hosts.get("response") or {}).get("availableEsxHostsList") or ["esx01.lab.local"]
        flag = "restartVm" if self.mistake == "misspelled-field" else "restartVM"
        body = {
            flag: restart,
            "restoreLocations": [
                {
                    "datastore": location["datastore"],
                    "location": location["location"],
                    "esxHost": listed[0],
                }
            ],
        }
        restore = self.scv.post(
            f"/4.1/vm/{vm}/backups/{backup}/restore", json=body, headers=self._headers()
        ).json()
        job = (restore.get("response") or {}).get("jobId")
        if job is None:
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = self._get(f"/4.1/jobs/{job}")["response"]["status"]
            if status not in ("QUEUED", "RUNNING"):
                break
            time.sleep(0.05)
        if self.mistake == "wrong-method":
            self.scv.delete(f"/4.1/jobs/{job}", headers=self._headers())
