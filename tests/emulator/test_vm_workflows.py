"""Restores, VMDK restores, attach/detach and mount/unmount through real calls."""

from __future__ import annotations

import pytest

from conformance.emulator.inventory import LEGACY_VM_UUID
from tests.emulator.conftest import Api, assert_conforms, error

pytestmark = pytest.mark.unit

NFS01 = {
    "datastore": "nfs_ds01",
    "location": "svm-nfs01:/vol/nfs_ds01",
    "esxHost": "esx01.lab.local",
}
NFS02 = {
    "datastore": "nfs_ds02",
    "location": "svm-nfs01:/vol/nfs_ds02",
    "esxHost": "esx03.lab.local",
}


def newest_backup(api: Api, ref: str) -> dict[str, object]:
    return api.ok(api.get(f"/4.1/vm/{ref}/backups"))["backupResponseList"][0]  # type: ignore[no-any-return]


def session(api: Api) -> dict[str, str]:
    answer = api.raw("POST", "/api/session", auth=("administrator@vsphere.local", "scv-emulator"))
    return {"vmware-api-session-id": answer.json()}


def vcenter(api: Api, path: str) -> list[dict[str, object]]:
    return api.raw("GET", f"/api/vcenter/{path}", headers=session(api)).json()  # type: ignore[no-any-return]


def test_restore_an_existing_vm(api: Api) -> None:
    backup = newest_backup(api, "vm-101")
    hosts = api.ok(api.get("/4.1/vm/vm-101/backups/availableesxhosts"))["availableEsxHostsList"]
    assert "esx01.lab.local" in hosts
    answer = api.post(
        f"/4.1/vm/vm-101/backups/{backup['backupId']}/restore",
        json={"restartVM": True, "restoreLocations": [NFS01]},
    )
    assert_conforms("restoreVm", answer)
    job_id = api.ok(answer)["jobId"]
    assert "already running" in error(
        api.post(
            f"/4.1/vm/vm-101/backups/{backup['backupId']}/restore",
            json={"restoreLocations": [NFS01]},
        ),
        409,
    )
    api.finish_jobs()
    job = api.ok(api.get(f"/4.1/jobs/{job_id}"))
    assert (job["jobType"], job["status"]) == ("restore", "COMPLETED")


def test_restore_a_deleted_vm_by_uuid_recreates_it(api: Api) -> None:
    assert "legacy-crm01" not in {v["name"] for v in vcenter(api, "vm")}
    backup = newest_backup(api, LEGACY_VM_UUID)
    api.ok(
        api.post(
            f"/4.1/vm/{LEGACY_VM_UUID}/backups/{backup['backupId']}/restore",
            json={"restoreLocations": [NFS02]},
        )
    )
    api.finish_jobs()
    vms = {v["name"]: v for v in vcenter(api, "vm")}
    moref = vms["legacy-crm01"]["vm"]
    assert moref == "vm-1001"
    assert newest_backup(api, str(moref))["backupId"] == backup["backupId"]
    assert newest_backup(api, LEGACY_VM_UUID)["backupId"] == backup["backupId"]


def test_restore_refusals(api: Api) -> None:
    template = newest_backup(api, "vm-105")
    answer = api.post(
        f"/4.1/vm/vm-105/backups/{template['backupId']}/restore", json={"restoreLocations": [NFS01]}
    )
    assert error(answer, 400) == "A VM template cannot be restored"
    partial = newest_backup(api, "vm-102")
    assert partial["partialBackup"] is True
    answer = api.post(
        f"/4.1/vm/vm-102/backups/{partial['backupId']}/restore",
        json={"restartVM": True, "restoreLocations": [NFS01]},
    )
    assert error(answer, 400) == "restartVM must be false for a partial backup"
    api.ok(
        api.post(
            f"/4.1/vm/vm-102/backups/{partial['backupId']}/restore",
            json={"restartVM": False, "restoreLocations": [NFS01]},
        )
    )
    error(api.post("/4.1/vm/vm-999/backups/4/restore", json={"restoreLocations": [NFS01]}), 404)
    error(api.post("/4.1/vm/vm-101/backups/5/restore", json={"restoreLocations": [NFS01]}), 404)
    bad_host = {**NFS01, "esxHost": "esx99.lab.local"}
    assert "esx99" in error(
        api.post("/4.1/vm/vm-101/backups/4/restore", json={"restoreLocations": [bad_host]}), 400
    )
    wrong_ds = {**NFS02}
    assert "nfs_ds02" in error(
        api.post("/4.1/vm/vm-101/backups/4/restore", json={"restoreLocations": [wrong_ds]}), 400
    )


def test_restore_vmdks(api: Api) -> None:
    backup_id = newest_backup(api, "vm-101")["backupId"]
    disks = api.ok(api.get(f"/4.1/vm/vm-101/backups/{backup_id}/vmdklocations"))[
        "vmdkLocationsList"
    ]
    assert len(disks) == 3
    current = api.ok(api.get("/4.1/vm/vm-101/backups/vmdklocations"))["vmdkLocationsList"]
    assert [d["location"] for d in current] == [d["location"] for d in disks]
    targets = api.ok(api.get(f"/4.1/vm/vm-101/backups/{backup_id}/availabledatastores"))[
        "DatastoreNameList"
    ]
    assert targets == ["nfs_ds01", "nfs_ds02", "vmfs_ds01"]
    item = {
        "restoreFromLocation": {"datastore": "nfs_ds01", "location": "svm-nfs01:/vol/nfs_ds01"},
        "vmdkToRestore": {k: disks[1][k] for k in ("vmdkName", "datastore", "location")},
        "restoreToDatastore": "nfs_ds02",
    }
    body = {"esxHost": "esx01.lab.local", "vmdkRestoreLocations": [item]}
    answer = api.post(f"/4.1/vm/vm-101/backups/{backup_id}/restorevmdks", json=body)
    assert_conforms("restoreVmdks", answer)
    job_id = api.ok(answer)["jobId"]
    api.finish_jobs()
    assert api.ok(api.get(f"/4.1/jobs/{job_id}"))["jobType"] == "restore"
    wrong = {**item, "restoreToDatastore": "nowhere"}
    assert "nowhere" in error(
        api.post(
            f"/4.1/vm/vm-101/backups/{backup_id}/restorevmdks",
            json={**body, "vmdkRestoreLocations": [wrong]},
        ),
        400,
    )
    alien = {
        **item,
        "vmdkToRestore": {
            "vmdkName": "x.vmdk",
            "datastore": "nfs_ds01",
            "location": "[nfs_ds01] x/x.vmdk",
        },
    }
    error(
        api.post(
            f"/4.1/vm/vm-101/backups/{backup_id}/restorevmdks",
            json={**body, "vmdkRestoreLocations": [alien]},
        ),
        400,
    )


def test_attach_then_detach_vmdks(api: Api) -> None:
    backup_id = newest_backup(api, "vm-101")["backupId"]
    disks = api.ok(api.get(f"/4.1/vm/vm-101/backups/{backup_id}/vmdklocations"))[
        "vmdkLocationsList"
    ]
    body = {"backupId": backup_id, "vmdkLocations": disks[:2], "alternateVmMoref": "vm-103"}
    answer = api.post("/4.1/vm/vm-101/attachvmdks", json=body)
    assert_conforms("attachVmdks", answer)
    attach_job = api.ok(answer)["jobId"]
    assert len(vcenter(api, "vm/vm-103/hardware/disk")) == 2
    api.finish_jobs()
    assert api.ok(api.get(f"/4.1/jobs/{attach_job}"))["jobType"] == "attachVmdk"
    on_web = vcenter(api, "vm/vm-103/hardware/disk")
    assert [d["disk"] for d in on_web] == ["2000", "2001", "2002", "2003"]
    assert "snap-" in vcenter(api, "vm/vm-103/hardware/disk/2002")["backing"]["vmdk_file"]
    assert "not attached" in error(
        api.post("/4.1/vm/vm-101/detachvmdks", json={"vmdksToDetach": disks[:1]}), 400
    )
    detach = api.ok(api.post("/4.1/vm/vm-103/detachvmdks", json={"vmdksToDetach": disks[:2]}))[
        "jobId"
    ]
    api.finish_jobs()
    assert api.ok(api.get(f"/4.1/jobs/{detach}"))["jobType"] == "detachVmdk"
    assert len(vcenter(api, "vm/vm-103/hardware/disk")) == 2
    error(api.post("/4.1/vm/vm-101/attachvmdks", json={**body, "alternateVmMoref": "vm-999"}), 404)
    error(api.post("/4.1/vm/vm-101/attachvmdks", json={**body, "backupId": 5}), 404)


def test_attach_to_the_same_vm(api: Api) -> None:
    backup_id = newest_backup(api, "vm-101")["backupId"]
    disks = api.ok(api.get(f"/4.1/vm/vm-101/backups/{backup_id}/vmdklocations"))[
        "vmdkLocationsList"
    ]
    api.ok(
        api.post(
            "/4.1/vm/vm-101/attachvmdks", json={"backupId": backup_id, "vmdkLocations": disks[2:]}
        )
    )
    api.finish_jobs()
    keys = [d["disk"] for d in vcenter(api, "vm/vm-101/hardware/disk")]
    assert keys == ["2000", "2001", "2002", "2003"]


def test_mount_then_unmount_a_datastore_backup(api: Api) -> None:
    backup = api.ok(api.get("/4.1/datastores/datastore-202/backups"))["backupResponseList"][0]
    backup_id = backup["backupId"]
    location = api.ok(api.get(f"/4.1/datastores/backups/{backup_id}/snapshotlocations"))[
        "snapshotLocationsList"
    ][0]
    hosts = api.ok(api.get("/4.1/datastores/datastore-202/availableEsxHosts"))[
        "availableEsxHostsList"
    ]
    body = {
        "datastore": location["datastore"],
        "location": location["location"],
        "esxHostName": hosts[0],
    }
    answer = api.post(f"/4.1/datastores/backups/{backup_id}/mount", json=body)
    assert_conforms("mountDatastoreBackup", answer)
    assert "already mounted" in error(
        api.post(f"/4.1/datastores/backups/{backup_id}/mount", json=body), 409
    )
    assert (
        api.ok(api.get(f"/4.1/datastores/backups/{backup_id}/mounted"))["mountedDatastoresList"]
        == []
    )
    api.finish_jobs()
    mounted = api.ok(api.get(f"/4.1/datastores/backups/{backup_id}/mounted"))[
        "mountedDatastoresList"
    ]
    assert mounted == [
        {
            "moref": "datastore-1001",
            "name": f"nfs_ds02_mount_{backup_id}",
            "esxHostName": hosts[0],
            "backupId": backup_id,
        }
    ]
    assert (
        api.ok(api.get("/4.1/datastores/datastore-202/backups"))["backupResponseList"][0]["mounted"]
        is True
    )
    assert "datastore-1001" in {d["datastore"] for d in vcenter(api, "datastore")}
    assert "not mounted" in error(
        api.post("/4.1/datastores/unmount", json={"moref": "datastore-201"}), 400
    )
    error(api.post("/4.1/datastores/unmount", json={"moref": "datastore-4242"}), 404)
    job = api.ok(api.post("/4.1/datastores/unmount", json={"moref": "datastore-1001"}))["jobId"]
    api.finish_jobs()
    assert api.ok(api.get(f"/4.1/jobs/{job}"))["jobType"] == "unmountBackup"
    assert (
        api.ok(api.get(f"/4.1/datastores/backups/{backup_id}/mounted"))["mountedDatastoresList"]
        == []
    )
    assert "datastore-1001" not in {d["datastore"] for d in vcenter(api, "datastore")}


def test_mount_refusals(api: Api) -> None:
    body = {
        "datastore": "nfs_ds02",
        "location": "svm-nfs01:/vol/nfs_ds02",
        "esxHostName": "esx01.lab.local",
    }
    error(api.post("/4.1/datastores/backups/999/mount", json=body), 404)
    assert "nfs_ds02" in error(api.post("/4.1/datastores/backups/4/mount", json=body), 400)
    assert "esx9" in error(
        api.post("/4.1/datastores/backups/5/mount", json={**body, "esxHostName": "esx9"}), 400
    )
    error(api.get("/4.1/datastores/backups/999/mounted"), 404)
    error(api.get("/4.1/datastores/datastore-999/backups"), 404)


def test_one_unmount_takes_several_morefs(api: Api) -> None:
    backups = api.ok(api.get("/4.1/datastores/datastore-202/backups"))["backupResponseList"]
    mounted: list[str] = []
    for backup in backups[:2]:
        location = api.ok(
            api.get(f"/4.1/datastores/backups/{backup['backupId']}/snapshotlocators")
        )["snapshotLocationsList"][0]
        body = {
            "datastore": location["datastore"],
            "location": location["location"],
            "esxHostName": "esx01.lab.local",
        }
        api.ok(api.post(f"/4.1/datastores/backups/{backup['backupId']}/mount", json=body))
        api.finish_jobs()
        mounted += [
            m["moref"]
            for m in api.ok(api.get(f"/4.1/datastores/backups/{backup['backupId']}/mounted"))[
                "mountedDatastoresList"
            ]
        ]
    assert len(mounted) == 2
    error(api.post("/4.1/datastores/unmount", json={"moref": [*mounted, "datastore-4242"]}), 404)
    assert len(api.state.mounts) == 2  # refused as a whole
    answer = api.post("/4.1/datastores/unmount", json={"moref": mounted})
    assert_conforms("unmountDatastore", answer)
    job = api.ok(answer)["jobId"]
    api.finish_jobs()
    assert api.ok(api.get(f"/4.1/jobs/{job}"))["status"] == "COMPLETED"
    for backup in backups[:2]:
        listed = api.ok(api.get(f"/4.1/datastores/backups/{backup['backupId']}/mounted"))
        assert listed["mountedDatastoresList"] == []
    assert not set(mounted) & {d["datastore"] for d in vcenter(api, "datastore")}
