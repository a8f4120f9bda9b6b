"""Jobs follow the clock; backups appear when a backup job completes; failJobs; logs."""

from __future__ import annotations

import io
import zipfile

import pytest
from jsonschema import Draft202012Validator

from conformance.contract.spec import load_contract
from tests.emulator.conftest import Api, assert_conforms, error

pytestmark = pytest.mark.unit


def backup_now(api: Api, group: int = 1, policy: int = 1) -> int:
    answer = api.post(
        "/4.1/resource-groups/backupnow", json={"resourceGroupId": group, "policyId": policy}
    )
    assert_conforms("backupResourceGroupNow", answer)
    return int(api.ok(answer)["jobId"])


def test_backup_job_runs_then_completes_and_adds_backups(api: Api) -> None:
    before = len(api.ok(api.get("/4.1/vm/vm-101/backups"))["backupResponseList"])
    job_id = backup_now(api)
    job = api.ok(api.get(f"/4.1/jobs/{job_id}"))
    assert (job["status"], job["progress"], job["endTime"]) == ("RUNNING", 0, None)
    api.clock.advance(seconds=4)
    job = api.ok(api.get(f"/4.1/jobs/{job_id}"))
    assert (job["status"], job["progress"]) == ("RUNNING", 40)
    assert len(api.ok(api.get("/4.1/vm/vm-101/backups"))["backupResponseList"]) == before
    api.clock.advance(seconds=7)
    answer = api.get(f"/4.1/jobs/{job_id}")
    assert_conforms("getJob", answer)
    job = api.ok(answer)
    assert (job["status"], job["progress"], job["jobType"]) == ("COMPLETED", 100, "backup")
    backups = api.ok(api.get("/4.1/vm/vm-101/backups"))["backupResponseList"]
    assert len(backups) == before + 1
    newest = backups[0]
    assert newest["resourceGroupName"] == "RG-Finance" and newest["policyName"] == "Daily-7"
    assert newest["partialBackup"] is False
    db = api.ok(api.get("/4.1/vm/vm-102/backups"))["backupResponseList"][0]
    assert db["backupId"] == newest["backupId"] and db["partialBackup"] is True
    locations = api.ok(api.get(f"/4.1/vm/backups/{db['backupId']}/snapshotlocations"))
    assert locations["snapshotLocationsList"] == [
        {
            "datastore": "nfs_ds01",
            "location": "svm-nfs01:/vol/nfs_ds01",
            "snapshotName": db["backupName"],
            "primary": True,
        }
    ]
    on_ds = api.ok(api.get("/4.1/datastores/datastore-201/backups"))["backupResponseList"]
    assert on_ds[0]["backupId"] == newest["backupId"]
    assert (
        api.ok(api.get("/4.1/datastores/datastore-203/backups"))["backupResponseList"][0][
            "backupId"
        ]
        != newest["backupId"]
    )


def test_effects_apply_exactly_once(api: Api) -> None:
    backup_now(api)
    api.finish_jobs()
    counts = {
        len(api.ok(api.get("/4.1/vm/vm-101/backups"))["backupResponseList"]) for _ in range(3)
    }
    assert len(counts) == 1


def test_datastore_group_backs_up_the_vms_on_it(api: Api) -> None:
    backup_now(api, group=2, policy=2)
    api.finish_jobs()
    web = api.ok(api.get("/4.1/vm/vm-103/backups"))["backupResponseList"][0]
    assert web["resourceGroupName"] == "RG-Web" and web["partialBackup"] is False


def test_include_all_spanning_backs_up_every_disk(api: Api) -> None:
    body = {
        "name": "RG-Span",
        "entities": ["vm-102"],
        "policies": [{"id": 1}],
        "spanningDatastores": {"spanningType": "INCLUDE_ALL"},
    }
    group = api.ok(api.post("/4.1/resource-groups", json=body))
    backup_now(api, group=group["id"])
    api.finish_jobs()
    newest = api.ok(api.get("/4.1/vm/vm-102/backups"))["backupResponseList"][0]
    assert newest["resourceGroupName"] == "RG-Span" and newest["partialBackup"] is False


def test_backupnow_refusals(api: Api) -> None:
    error(
        api.post("/4.1/resource-groups/backupnow", json={"resourceGroupId": 9, "policyId": 1}), 404
    )
    error(
        api.post("/4.1/resource-groups/backupnow", json={"resourceGroupId": 1, "policyId": 9}), 404
    )
    assert "not attached" in error(
        api.post("/4.1/resource-groups/backupnow", json={"resourceGroupId": 1, "policyId": 2}), 400
    )
    backup_now(api)
    assert "already running" in error(
        api.post("/4.1/resource-groups/backupnow", json={"resourceGroupId": 1, "policyId": 1}), 409
    )


def test_job_type_filter_and_order(api: Api) -> None:
    backup_now(api)
    api.finish_jobs()
    api.ok(
        api.post(
            "/4.1/vm/vm-101/backups/4/restore",
            json={
                "restoreLocations": [
                    {
                        "datastore": "nfs_ds01",
                        "location": "svm-nfs01:/vol/nfs_ds01",
                        "esxHost": "esx01.lab.local",
                    }
                ]
            },
        )
    )
    answer = api.get("/4.1/jobs", params={"jobType": "restore"})
    assert_conforms("getJobs", answer)
    restores = api.ok(answer)["jobResponseList"]
    assert restores and {j["jobType"] for j in restores} == {"restore"}
    every = api.ok(api.get("/4.1/jobs"))["jobResponseList"]
    assert {j["jobType"] for j in every} == {"backup", "restore"}
    ids = [j["id"] for j in every]
    assert ids == sorted(ids, reverse=True)
    assert api.ok(api.get("/4.1/jobs", params={"jobType": "mountBackup"}))["jobResponseList"] == []


def test_job_logs_are_a_zip_attachment(api: Api) -> None:
    job_id = backup_now(api)
    api.finish_jobs()
    answer = api.get(f"/4.1/jobs/{job_id}/logs")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/octet-stream"
    assert answer.headers["content-disposition"] == f'attachment; filename="job-{job_id}-logs.zip"'
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        text = archive.read(f"job-{job_id}.log").decode()
    assert "started" in text and "completed" in text and "RG-Finance" in text
    error(api.get("/4.1/jobs/999/logs"), 404)
    error(api.get("/4.1/jobs/999"), 404)


def test_fail_jobs_marks_running_jobs_failed_and_skips_their_effects(api: Api) -> None:
    before = len(api.ok(api.get("/4.1/vm/vm-103/backups"))["backupResponseList"])
    first = backup_now(api)
    second = backup_now(api, group=2, policy=2)
    api.clock.advance(seconds=3)
    answer = api.put(f"/4.1/jobs/{first}/failJobs", json={"jobIds": [second]})
    assert_conforms("failJobs", answer)
    failed = api.ok(answer)["jobResponseList"]
    assert [(j["id"], j["status"], j["progress"]) for j in failed] == [
        (first, "FAILED", 30),
        (second, "FAILED", 30),
    ]
    api.finish_jobs()
    assert api.ok(api.get(f"/4.1/jobs/{first}"))["status"] == "FAILED"
    assert len(api.ok(api.get("/4.1/vm/vm-103/backups"))["backupResponseList"]) == before


def test_fail_jobs_refusals_change_nothing(api: Api) -> None:
    running = backup_now(api)
    assert "not running" in error(
        api.put(f"/4.1/jobs/{running}/failJobs", json={"jobIds": [1]}), 400
    )
    assert api.ok(api.get(f"/4.1/jobs/{running}"))["status"] == "RUNNING"
    error(api.put(f"/4.1/jobs/{running}/failJobs", json={"jobIds": [777]}), 404)
    error(api.put("/4.1/jobs/777/failJobs"), 404)
    assert api.ok(api.get(f"/4.1/jobs/{running}"))["status"] == "RUNNING"
    assert (
        api.ok(api.put(f"/4.1/jobs/{running}/failJobs"))["jobResponseList"][0]["status"] == "FAILED"
    )


@pytest.mark.parametrize("name", ["jobType", "type"])
def test_jobs_filter_by_either_parameter_name(api: Api, name: str) -> None:
    answer = api.get("/4.1/jobs", params={name: "backup"})
    assert_conforms("getJobs", answer)
    listed = api.ok(answer)["jobResponseList"]
    assert listed and {j["jobType"] for j in listed} == {"backup"}
    assert api.ok(api.get("/4.1/jobs", params={name: "restore"}))["jobResponseList"] == []
    assert name in error(api.get("/4.1/jobs", params={name: "nope"}), 400)


def test_both_filters_together_must_both_hold(api: Api) -> None:
    both = api.ok(api.get("/4.1/jobs", params={"jobType": "backup", "type": "backup"}))
    assert both == api.ok(api.get("/4.1/jobs", params={"type": "backup"}))
    clash = api.ok(api.get("/4.1/jobs", params={"jobType": "backup", "type": "restore"}))
    assert clash["jobResponseList"] == []


@pytest.mark.parametrize("query", ["jobType=", "type=", "jobType=&type="])
def test_an_empty_filter_filters_nothing_as_the_contract_says(api: Api, query: str) -> None:
    """Issue 13: the emulator answered 200 to `jobType=` while the contract refused ''."""
    answer = api.get(f"/4.1/jobs?{query}")
    assert_conforms("getJobs", answer)
    assert api.ok(answer) == api.ok(api.get("/4.1/jobs"))
    for parameter in load_contract().operation("getJobs").definition["parameters"]:
        schema = {**parameter["schema"], "components": load_contract().document["components"]}
        assert Draft202012Validator(schema).is_valid(""), parameter["name"]
        assert not Draft202012Validator(schema).is_valid("nope"), parameter["name"]
