"""Storage systems, policies and resource groups: changes that stick and refusals."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.conftest import Api, assert_conforms, error

pytestmark = pytest.mark.unit

SVM = {"name": "svm-new01", "userName": "vsadmin", "password": "pw-1", "port": 443}
POLICY = {"name": "Monthly-12", "frequency": "MONTHLY", "retention": {"type": "COUNT", "value": 12}}


def group_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "RG-New",
        "entities": ["vm-104"],
        "policies": [{"id": 3}],
        "spanningDatastores": {"spanningType": "EXCLUDE_ALL"},
        "notification": "NEVER",
    }
    body.update(changes)
    return body


def svm_names(api: Api) -> list[str]:
    listed = api.ok(api.get("/4.1/storage-system"))["storageSystemResponseList"]
    return [s["name"] for s in listed]


def test_storage_system_lifecycle(api: Api) -> None:
    added = api.post("/4.1/storage-system", json=SVM)
    assert_conforms("addStorageSystem", added)
    assert api.ok(added)["name"] == "svm-new01" and "password" not in api.ok(added)
    assert "svm-new01" in svm_names(api)
    assert "already exists" in error(api.post("/4.1/storage-system", json=SVM), 409)
    modified = api.ok(api.put("/4.1/storage-system", json={**SVM, "timeout": 300}))
    assert modified["timeout"] == 300
    listed = api.ok(api.get("/4.1/storage-system"))["storageSystemResponseList"]
    assert {s["name"]: s["timeout"] for s in listed}["svm-new01"] == 300
    assert "not found" in error(api.put("/4.1/storage-system", json={**SVM, "name": "ghost"}), 404)
    api.ok(api.delete("/4.1/storage-system", json={"name": "svm-new01"}))
    assert "svm-new01" not in svm_names(api)
    error(api.delete("/4.1/storage-system", json={"name": "svm-new01"}), 404)


def test_storage_system_in_use_is_not_deleted(api: Api) -> None:
    assert "in use" in error(api.delete("/4.1/storage-system", json={"name": "svm-nfs01"}), 409)
    assert "svm-nfs01" in svm_names(api)


def test_policy_lifecycle(api: Api) -> None:
    created = api.post("/4.1/policies", json=POLICY)
    assert_conforms("createPolicy", created)
    policy = api.ok(created)
    assert policy["id"] == 4 and policy["vmConsistency"] is False
    assert "already exists" in error(api.post("/4.1/policies", json=POLICY), 409)
    updated = api.ok(
        api.put("/4.1/policies/4", json={**POLICY, "retention": {"type": "DAYS", "value": 90}})
    )
    assert updated["retention"] == {"type": "DAYS", "value": 90}
    listed = api.ok(api.get("/4.1/policies"))["policyResponseList"]
    assert listed[-1]["retention"]["value"] == 90
    assert "already exists" in error(
        api.put("/4.1/policies/4", json={**POLICY, "name": "Daily-7"}), 409
    )
    api.ok(api.delete("/4.1/policies/4"))
    error(api.delete("/4.1/policies/4"), 404)
    error(api.put("/4.1/policies/4", json=POLICY), 404)


def test_policy_used_by_a_group_is_not_deleted(api: Api) -> None:
    assert "RG-Finance" in error(api.delete("/4.1/policies/1"), 409)
    assert len(api.ok(api.get("/4.1/policies"))["policyResponseList"]) == 3


def test_resource_group_lifecycle(api: Api) -> None:
    created = api.post("/4.1/resource-groups", json=group_body())
    assert_conforms("createResourceGroup", created)
    group = api.ok(created)
    assert group["id"] == 3 and group["policies"][0]["name"] == "Weekly-4"
    assert "already exists" in error(api.post("/4.1/resource-groups", json=group_body()), 409)
    changed = group_body(entities=["vm-104", "datastore-201"], notification="ALWAYS")
    updated = api.put("/4.1/resource-groups/3", json=changed)
    assert_conforms("updateResourceGroup", updated)
    listed = api.ok(api.get("/4.1/resource-groups"))["resourceGroupResponseList"]
    stored = {g["id"]: g for g in listed}[3]
    assert stored["entities"] == ["vm-104", "datastore-201"] and stored["notification"] == "ALWAYS"
    api.ok(api.delete("/4.1/resource-groups/3"))
    listed = api.ok(api.get("/4.1/resource-groups"))["resourceGroupResponseList"]
    assert 3 not in {g["id"] for g in listed}
    error(api.delete("/4.1/resource-groups/3"), 404)
    error(api.put("/4.1/resource-groups/3", json=group_body()), 404)


def test_resource_group_refusals(api: Api) -> None:
    assert "vm-999" in error(
        api.post("/4.1/resource-groups", json=group_body(entities=["vm-999"])), 404
    )
    body = group_body(entities=["datastore-999"])
    assert "datastore-999" in error(api.post("/4.1/resource-groups", json=body), 404)
    assert "id 42" in error(
        api.post("/4.1/resource-groups", json=group_body(policies=[{"id": 42}])), 404
    )
    twice = group_body(policies=[{"id": 1}, {"id": 1}])
    assert "twice" in error(api.post("/4.1/resource-groups", json=twice), 400)
    clash = group_body(name="RG-Web")
    assert "already exists" in error(api.put("/4.1/resource-groups/1", json=clash), 409)
    assert len(api.ok(api.get("/4.1/resource-groups"))["resourceGroupResponseList"]) == 2


def test_rename_answers_as_documented_and_getsvmall_shows_the_new_name(api: Api) -> None:
    locations_before = api.ok(api.get("/4.1/datastores/backups/5/snapshotlocations"))
    assert locations_before["snapshotLocationsList"][0]["location"].startswith("svm-nfs01:")
    body = {"existingSVM": {"name": "svm-nfs01"}, "newSVM": {"name": "svm-nfs01-renamed"}}
    answer = api.call("PATCH", "/4.1/storage-system", json=body)
    assert_conforms("renameStorageSystem", answer)
    assert answer.status_code == 200
    assert answer.json() == {
        "statusMessage": "OK",
        "statusCode": 200,
        "responseMessage": ["Storage system renamed successfully."],
    }
    names = {s["name"] for s in api.ok(api.get("/4.1/storage-system"))["storageSystemResponseList"]}
    assert "svm-nfs01-renamed" in names and "svm-nfs01" not in names
    # backups taken under the old name are usable under the new one
    locations = api.ok(api.get("/4.1/datastores/backups/5/snapshotlocations"))
    assert locations["snapshotLocationsList"][0]["location"].startswith("svm-nfs01-renamed:")
    newest = api.ok(api.get("/4.1/audit/logs"))["auditLogList"][-1]["fileName"]
    entries = api.ok(api.get(f"/4.1/audit/logs/{newest}"))["entries"]
    assert (entries[-1]["operation"], entries[-1]["resource"]) == (
        "renameStorageSystem",
        "svm-nfs01",
    )


def test_rename_refuses_unknown_and_taken_names(api: Api) -> None:
    def rename(old: str, new: str) -> httpx.Response:
        body = {"existingSVM": {"name": old}, "newSVM": {"name": new}}
        return api.call("PATCH", "/4.1/storage-system", json=body)

    assert "svm-none" in error(rename("svm-none", "svm-x"), 404)
    assert "svm-iscsi01" in error(rename("svm-nfs01", "svm-iscsi01"), 409)
    assert "newSVM" in error(
        api.call("PATCH", "/4.1/storage-system", json={"existingSVM": {"name": "svm-nfs01"}}),
        400,
    )
    names = {s["name"] for s in api.ok(api.get("/4.1/storage-system"))["storageSystemResponseList"]}
    assert {"svm-nfs01", "svm-iscsi01"} <= names


FOLDER = "group-v301"
TAG = "urn:vmomi:InventoryServiceTag:5f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b:GLOBAL"


def test_groups_may_protect_a_vm_folder_and_a_tag_and_back_up_their_members(api: Api) -> None:
    answer = api.post("/4.1/resource-groups", json=group_body(entities=[FOLDER, TAG]))
    assert_conforms("createResourceGroup", answer)
    group = api.ok(answer)
    assert group["entities"] == [FOLDER, TAG]
    listed = api.ok(api.get("/4.1/resource-groups"))["resourceGroupResponseList"]
    assert [FOLDER, TAG] in [g["entities"] for g in listed]
    counts = {
        vm: len(api.ok(api.get(f"/4.1/vm/{vm}/backups"))["backupResponseList"])
        for vm in ("vm-101", "vm-102", "vm-103", "vm-104")
    }
    backup = {"resourceGroupId": group["id"], "policyId": 3}
    api.ok(api.post("/4.1/resource-groups/backupnow", json=backup))
    api.finish_jobs()
    after = {
        vm: len(api.ok(api.get(f"/4.1/vm/{vm}/backups"))["backupResponseList"]) for vm in counts
    }
    # the folder holds vm-101 and vm-102, the tag vm-103 and a datastore; vm-104 is in neither
    assert after == {vm: n + (vm != "vm-104") for vm, n in counts.items()}


def test_an_unknown_folder_or_tag_is_not_found(api: Api) -> None:
    body = group_body(entities=["group-v999"])
    assert "group-v999" in error(api.post("/4.1/resource-groups", json=body), 404)
