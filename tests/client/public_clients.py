"""The requests of the public clients of SCV, as API-FACTS records them, replayed.

- the public PowerShell script (2019): log in, list policies and resource groups, find a
  datastore's moref through vCenter's REST API, create a resource group for it with one
  policy, find the group's id in the list, back it up now;
- NetApp's own Ansible role (``snapcenter-vmware-plugin-config``, 2022): log in, add a
  storage system with exactly the body the role sends.

Each talks to ``scv`` (the SCV base URL, ``.../api``) and ``vcenter`` as the client would,
headers and bodies as the client sends them.
"""

from __future__ import annotations

import httpx

JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def _login(scv: httpx.Client, username: str, password: str) -> str:
    answer = scv.post("/4.1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["response"]["token"])


def powershell(scv_url: str, vcenter_url: str, username: str, password: str) -> None:
    """The PowerShell script: a datastore resource group, created and backed up."""
    with httpx.Client(base_url=scv_url, headers=JSON, timeout=30) as scv:
        token = _login(scv, username, password)
        auth = {"Token": token}
        policies = scv.get("/4.1/policies", headers=auth).json()
        policy = policies["response"]["policyResponseList"][0]["id"]
        scv.get("/4.1/resource-groups", headers=auth).raise_for_status()
        with httpx.Client(base_url=vcenter_url, timeout=30) as vcenter:
            session = vcenter.post("/api/session", auth=(username, password)).json()
            datastores = vcenter.get(
                "/api/vcenter/datastore", headers={"vmware-api-session-id": session}
            ).json()
        moref = next(d["datastore"] for d in datastores if d["name"] == "nfs_ds01")
        body = {
            "name": "RG-PowerShell",
            "description": "Datastore group of the PowerShell client",
            "entities": [moref],
            "spanningDatastores": {"spanningType": "EXCLUDE_ALL"},
            "policies": [{"id": policy}],
            "notification": "NEVER",
        }
        scv.post("/4.1/resource-groups", json=body, headers=auth).raise_for_status()
        groups = scv.get("/4.1/resource-groups", headers=auth).json()
        group = next(
            g["id"]
            for g in groups["response"]["resourceGroupResponseList"]
            if g["name"] == "RG-PowerShell"
        )
        backup = scv.post(
            "/4.1/resource-groups/backupnow",
            json={"policyId": policy, "resourceGroupId": group},
            headers=auth,
        )
        backup.raise_for_status()
        assert backup.json()["responseMessage"]


def ansible(scv_url: str, username: str, password: str) -> None:
    """The Ansible role: a storage system added with the role's very body."""
    with httpx.Client(base_url=scv_url, timeout=30) as scv:
        token = _login(scv, username, password)
        body = {
            "asup": False,
            "name": "192.0.2.10",
            "password": "cluster-admin-password",
            "platformType": "AFF",
            "port": 443,
            "preferredIp": "",
            "protocol": "HTTPS",
            "syslog": True,
            "timeout": 120,
            "userName": "admin",
        }
        answer = scv.post(
            "/4.1/storage-system",
            json=body,
            headers={"Accept": "application/json", "Token": token},
        )
        assert answer.status_code < 300, answer.text
