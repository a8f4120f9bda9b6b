"""A small SCV integration: back up a resource group on demand and report where its VM
and datastore backups could be restored or mounted.

It follows the documented workflows "back up on demand" (list resource groups, backupnow
with the group's and its policy's ids, then the job to its end), "restore a VM" (the VM's
backups, the ESX hosts available for a restore) and "mount a datastore backup" (the
datastore's backups, their snapshot locations), with the VM and datastore morefs from
vCenter's REST API. It reads the appliance from the environment `certify-client` sets:

    SCV_URL       the SCV base URL, e.g. https://scv.example:8144/api
    VCENTER_URL   the vCenter base URL, e.g. https://vcenter.example
    SCV_USERNAME  vCenter credentials (SCV logs in with them)
    SCV_PASSWORD
    SCV_CA_FILE   optional: the CA certificate to trust

What real appliances do, and how it copes: a token stops working (log in again on a 401
and repeat the call), a busy appliance answers 503 (wait a little and repeat), a job
fails (report it: a failed backup is an answer, not a crash of this program), a job is
slow (poll until it ends, within a deadline), the ESX host list is spelled two ways, the
datastore snapshot locations are at one of two paths. It exits 0 when it got an answer
to every question, 1 otherwise. Run it by hand:

    scv-conformance emulate --no-tls --port 8144 &
    SCV_URL=http://127.0.0.1:8144/api VCENTER_URL=http://127.0.0.1:8144 \
    SCV_USERNAME=administrator@vsphere.local SCV_PASSWORD=scv-emulator \
    python examples/backup_report.py

`--no-relogin` leaves out the re-login on 401, to watch `certify-client` fail the
token-expiry cell.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import httpx

JOB_DEADLINE_SECONDS = 120.0
POLL_SECONDS = 0.2
RETRIES_ON_503 = 5


class Scv:
    """The SCV REST API: one token, reused, renewed when the appliance refuses it."""

    def __init__(self, client: httpx.Client, username: str, password: str, relogin: bool):
        self.client = client
        self.credentials = {"username": username, "password": password}
        self.relogin = relogin
        self.token: str | None = None

    def login(self) -> None:
        answer = self._send("POST", "/4.1/auth/login", json=self.credentials)
        answer.raise_for_status()
        self.token = answer.json()["response"]["token"]

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self.token is None:
            self.login()
        answer = self._send(method, path, headers={"Token": self.token}, **kwargs)
        if answer.status_code == 401 and self.relogin:
            # the token timed out (its lifetime is vCenter's to set): log in again, repeat
            self.login()
            answer = self._send(method, path, headers={"Token": self.token}, **kwargs)
        return answer

    def payload(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.call(method, path, **kwargs)
        answer.raise_for_status()
        return answer.json()["response"]

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for _ in range(RETRIES_ON_503):
            answer = self.client.request(method, path, **kwargs)
            if answer.status_code != 503:
                return answer
            time.sleep(POLL_SECONDS)  # busy: not processed, safe to repeat
        return answer


def vcenter_morefs(vcenter: httpx.Client, username: str, password: str) -> tuple[set, set]:
    """The VM and datastore morefs vCenter knows (its REST API, session by basic auth)."""
    session = vcenter.post("/api/session", auth=(username, password))
    session.raise_for_status()
    headers = {"vmware-api-session-id": session.json()}
    vms = vcenter.get("/api/vcenter/vm", headers=headers)
    datastores = vcenter.get("/api/vcenter/datastore", headers=headers)
    vms.raise_for_status()
    datastores.raise_for_status()
    return {v["vm"] for v in vms.json()}, {d["datastore"] for d in datastores.json()}


def back_up(scv: Scv) -> list[dict[str, Any]]:
    """Back up the first resource group that has a policy; report how its job ended."""
    groups = scv.payload("GET", "/4.1/resource-groups")["resourceGroupResponseList"]
    group = next(g for g in groups if g.get("policies"))
    body = {"resourceGroupId": group["id"], "policyId": group["policies"][0]["id"]}
    job_id = scv.payload("POST", "/4.1/resource-groups/backupnow", json=body)["jobId"]
    deadline = time.monotonic() + JOB_DEADLINE_SECONDS
    while True:
        job = scv.payload("GET", f"/4.1/jobs/{job_id}")
        if job["status"] != "RUNNING":
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"backup job {job_id} still running after {JOB_DEADLINE_SECONDS} s")
        time.sleep(POLL_SECONDS)
    outcome = job["status"] + (f" ({job['errorMessage']})" if job.get("errorMessage") else "")
    print(f"backup of {group['name']}: job {job_id} {outcome}")
    return groups


def restore_hosts(scv: Scv, groups: list[dict[str, Any]], vms: set) -> None:
    """Where the newest backup of a protected VM could be restored."""
    vm = next(e for g in groups for e in g["entities"] if e in vms)
    backups = scv.payload("GET", f"/4.1/vm/{vm}/backups")["backupResponseList"]
    hosts = scv.payload("GET", f"/4.1/vm/{vm}/backups/availableesxhosts")
    # the English pages spell it availableEsxHostsList, the translated ones with a capital A
    names = hosts.get("availableEsxHostsList") or hosts.get("AvailableEsxHostsList") or []
    newest = backups[0]["backupName"] if backups else "none"
    print(f"VM {vm}: newest backup {newest}; restorable on {', '.join(names) or 'no host'}")


def mount_locations(scv: Scv, groups: list[dict[str, Any]], datastores: set) -> None:
    """Where the newest backup of a protected datastore could be mounted from."""
    store = next(e for g in groups for e in g["entities"] if e in datastores)
    backups = scv.payload("GET", f"/4.1/datastores/{store}/backups")["backupResponseList"]
    if not backups:
        print(f"datastore {store}: no backup")
        return
    backup_id = backups[0]["backupId"]
    # the pages name two paths for this list; an appliance serves at least one of them
    answer = scv.call("GET", f"/4.1/datastores/backups/{backup_id}/snapshotlocations")
    if answer.status_code == 404:
        answer = scv.call("GET", f"/4.1/datastores/backups/{backup_id}/snapshotlocators")
    answer.raise_for_status()
    locations = answer.json()["response"]["snapshotLocationsList"]
    where = ", ".join(f"{x['datastore']} at {x['location']}" for x in locations)
    print(f"datastore {store}: backup {backup_id} mountable from {where}")


def main(argv: list[str]) -> int:
    username, password = os.environ["SCV_USERNAME"], os.environ["SCV_PASSWORD"]
    verify: Any = os.environ.get("SCV_CA_FILE") or True
    options = {"verify": verify, "timeout": 30.0, "headers": {"Accept": "application/json"}}
    with (
        httpx.Client(base_url=os.environ["SCV_URL"], **options) as client,
        httpx.Client(base_url=os.environ["VCENTER_URL"], **options) as vcenter,
    ):
        scv = Scv(client, username, password, relogin="--no-relogin" not in argv)
        try:
            vms, datastores = vcenter_morefs(vcenter, username, password)
            groups = back_up(scv)
            restore_hosts(scv, groups, vms)
            mount_locations(scv, groups, datastores)
        except (httpx.HTTPError, KeyError, StopIteration, TimeoutError) as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            print(f"backup_report: {type(exc).__name__}: {first_line}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
