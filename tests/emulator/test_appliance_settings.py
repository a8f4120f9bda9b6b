"""Configuration keys, job retention, the backup clean-up and the vCenter registration."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.emulator.conftest import Api, assert_conforms, error

pytestmark = pytest.mark.unit

MOUNT = {"datastore": "nfs_ds01", "esxHostName": "esx01.lab.local"}


def test_a_configuration_key_reads_back_as_set_and_an_unknown_one_is_404(api: Api) -> None:
    answer = api.get("/4.1/configurations", params={"configurationName": "FORCE_ZAPI"})
    assert_conforms("getConfiguration", answer)
    assert api.ok(answer)["configurationValue"] == "false"
    entry = {"configurationName": "FORCE_ZAPI", "configurationValue": "true"}
    updated = api.put("/4.1/configurations", json={**entry, "objectType": "ConfigKey"})
    assert_conforms("updateConfiguration", updated)
    again = api.get("/4.1/configurations", params={"configurationName": "FORCE_ZAPI"})
    assert api.ok(again) == {**entry, "objectType": "ConfigKey"}
    assert "NEW_KEY" in error(
        api.get("/4.1/configurations", params={"configurationName": "NEW_KEY"}), 404
    )
    # "add or update": a key the appliance did not have is added
    api.ok(
        api.put(
            "/4.1/configurations", json={"configurationName": "NEW_KEY", "configurationValue": "1"}
        )
    )
    added = api.get("/4.1/configurations", params={"configurationName": "NEW_KEY"})
    assert api.ok(added)["configurationValue"] == "1"


def test_a_configuration_key_is_refused_without_its_name(api: Api) -> None:
    error(api.get("/4.1/configurations"), 400)
    error(api.put("/4.1/configurations", json={"configurationValue": "true"}), 400)


def test_job_retention_starts_at_the_documented_defaults_and_reads_back(api: Api) -> None:
    answer = api.get("/4.1/jobs/cleanup")
    assert_conforms("getJobRetention", answer)
    assert api.ok(answer) == {"jobRetentionDays": 90, "jobLogRetentionDays": 30}
    wanted = {"jobRetentionDays": 120, "jobLogRetentionDays": 45}
    assert_conforms("updateJobRetention", api.put("/4.1/jobs/cleanup", json=wanted))
    assert api.ok(api.get("/4.1/jobs/cleanup")) == wanted
    error(api.put("/4.1/jobs/cleanup", json={"jobRetentionDays": 0, "jobLogRetentionDays": 1}), 400)
    # the literal segment is not read as a job id
    assert api.get("/4.1/jobs/cleanup").status_code == 200


def _mounted(api: Api) -> int:
    backups = api.ok(api.get("/4.1/datastores/datastore-201/backups"))["backupResponseList"]
    backup = backups[0]["backupId"]
    location = api.ok(api.get(f"/4.1/datastores/backups/{backup}/snapshotlocations"))[
        "snapshotLocationsList"
    ][0]["location"]
    api.ok(
        api.post(f"/4.1/datastores/backups/{backup}/mount", json={**MOUNT, "location": location})
    )
    api.finish_jobs()
    assert api.ok(api.get(f"/4.1/datastores/backups/{backup}/mounted"))["mountedDatastoresList"]
    return int(backup)


@pytest.mark.parametrize("path", ["/backup/{}/cleanup", "/4.1/backup/{}/cleanup"])
def test_the_backup_cleanup_removes_every_datastore_mounted_from_it(api: Api, path: str) -> None:
    backup = _mounted(api)
    # out of bound: vCenter still has the datastore, the plug-in no longer lists the mount
    (moref,) = [m for m, d in api.state.datastores.items() if d.mounted_from == backup]
    del api.state.mounts[moref]
    answer = api.post(path.format(backup))
    operation = (
        "cleanupBackupDatastores"
        if path.startswith("/backup")
        else "cleanupBackupDatastoresVersioned"
    )
    assert_conforms(operation, answer)
    job = api.ok(answer)["jobId"]
    assert moref in api.state.datastores  # nothing happens before the job ran
    api.finish_jobs()
    assert api.ok(api.get(f"/4.1/jobs/{job}"))["status"] == "COMPLETED"
    assert moref not in api.state.datastores
    listed = api.ok(api.get(f"/4.1/datastores/backups/{backup}/mounted"))
    assert listed["mountedDatastoresList"] == []
    error(api.post(path.format(999999)), 404)


def test_the_plugin_unregisters_and_registers_again(api: Api) -> None:
    answer = api.get("/4.1/vcenter/registration")
    assert_conforms("getVcenterRegistration", answer)
    first = api.ok(answer)
    assert first["registered"] is True
    body = {"vcenterHost": first["vcenterHost"], "username": "administrator@vsphere.local"}
    assert "already registered" in error(
        api.post("/4.1/vcenter/registration", json={**body, "password": "pw"}), 409
    )
    assert_conforms("unregisterVcenter", api.delete("/4.1/vcenter/registration"))
    assert api.ok(api.get("/4.1/vcenter/registration"))["registered"] is False
    error(api.delete("/4.1/vcenter/registration"), 404)
    registered = api.post("/4.1/vcenter/registration", json={**body, "password": "pw"})
    assert_conforms("registerVcenter", registered)
    assert "password" not in registered.text
    assert api.ok(api.get("/4.1/vcenter/registration")) == first


@pytest.mark.parametrize(
    ("release", "served"),
    [
        ("4.6", set()),
        ("4.7", {"getJobRetention"}),
        ("5.0", {"getJobRetention", "getConfiguration"}),
    ],
)
def test_the_new_operations_follow_the_release_played(
    make_api: Callable[..., Api], release: str, served: set[str]
) -> None:
    api = make_api(appliance_version=release)
    calls = {
        "getJobRetention": ("/4.1/jobs/cleanup", {}),
        "getConfiguration": ("/4.1/configurations", {"configurationName": "FORCE_ZAPI"}),
        "getVcenterRegistration": ("/4.1/vcenter/registration", {}),
    }
    answered = {
        name
        for name, (path, params) in calls.items()
        if api.get(path, params=params).status_code == 200
    }
    assert answered == served
