"""Each fault's raw deviation is observable (harness-level detection is tested elsewhere)."""

from __future__ import annotations

import time

import pytest

from conformance.emulator import FAULTS, EmulatorConfig, create_app
from conformance.emulator.config import UsageError
from tests.emulator.conftest import Api, error

pytestmark = pytest.mark.unit

GROUP = {
    "name": "RG-Finance",
    "entities": ["vm-101"],
    "policies": [{"id": 2}],
    "notification": "ALWAYS",
}
NFS01 = {
    "datastore": "nfs_ds01",
    "location": "svm-nfs01:/vol/nfs_ds01",
    "esxHost": "esx01.lab.local",
}


def test_registry() -> None:
    assert len(FAULTS) == 18
    for name, fault in FAULTS.items():
        assert fault.name == name and fault.description
        assert fault.seen_by in ("fuzz", "stateful", "scenario")
    with pytest.raises(UsageError, match="unknown fault"):
        create_app(EmulatorConfig(fault="no-such-fault"))


def test_missing_required_field(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="missing-required-field")
    assert all("frequency" not in p for p in api.ok(api.get("/4.1/policies"))["policyResponseList"])


def test_wrong_status_code(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="wrong-status-code")
    answer = api.put("/4.1/resource-groups/99", json=GROUP)
    assert answer.status_code == 422 and answer.json()["statusCode"] == 422


def test_auth_skipped(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="auth-skipped")
    assert api.raw("GET", "/api/4.1/schedules").status_code == 200
    assert api.raw("GET", "/api/4.1/policies").status_code == 401


def test_uri_not_null(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="uri-not-null")
    assert api.get("/4.1/policies").json()["uri"] == "/api/4.1/policies"
    assert api.get("/4.1/nothing").json()["uri"] == "/api/4.1/nothing"


def test_stack_trace(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="stack-trace")
    message = api.post("/4.1/policies", json={}).json()["responseMessage"]
    assert "java.lang.IllegalArgumentException" in message and "at com.netapp.scv" in message


def test_server_error(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="server-error")
    valid = {"name": "Daily-30", "frequency": "DAILY", "retention": {"type": "DAYS", "value": 30}}
    # a broken operation: bad input and a valid request alike
    for body in ({"name": ""}, valid):
        answer = api.post("/4.1/policies", json=body)
        assert answer.status_code == 500 and answer.headers["content-type"].startswith("text/plain")
        assert "statusCode" not in answer.text
    assert "Daily-30" not in {
        p["name"] for p in api.ok(api.get("/4.1/policies"))["policyResponseList"]
    }


def test_forbidden_chars_accepted(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="forbidden-chars-accepted")
    dotted = api.get("/4.1/vm/vm-101./backups")
    assert dotted.status_code == 200
    assert dotted.json() == api.get("/4.1/vm/vm-101/backups").json()
    assert (
        api.raw("GET", "/api/4.1/vm/vm%2D101/backups", headers={"Token": api.token}).status_code
        == 400
    )


def test_slow_responses(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="slow-responses")
    api.login()
    started = time.monotonic()
    api.ok(api.get("/4.1/resource-groups"))
    assert time.monotonic() - started >= 1.4
    started = time.monotonic()
    api.ok(api.get("/4.1/policies"))
    assert time.monotonic() - started < 1.0  # not slowed (generous on a busy host)


def test_invalid_input_accepted(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="invalid-input-accepted")
    policy = api.ok(api.post("/4.1/policies", json={"retention": {"value": -5}}))
    assert policy["id"] == 4 and policy["name"] == "generated-4"


def test_job_id_unknown(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="job-id-unknown")
    job_id = api.ok(
        api.post("/4.1/resource-groups/backupnow", json={"resourceGroupId": 1, "policyId": 1})
    )["jobId"]
    error(api.get(f"/4.1/jobs/{job_id}"), 404)


def test_job_never_finishes(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="job-never-finishes")
    job_id = api.ok(
        api.post("/4.1/resource-groups/backupnow", json={"resourceGroupId": 1, "policyId": 1})
    )["jobId"]
    api.clock.advance(seconds=3600)
    job = api.ok(api.get(f"/4.1/jobs/{job_id}"))
    assert (job["status"], job["progress"]) == ("RUNNING", 50)


def test_state_not_persisted(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="state-not-persisted")
    answered = api.ok(api.put("/4.1/resource-groups/1", json=GROUP))
    assert answered["notification"] == "ALWAYS"
    stored = api.ok(api.get("/4.1/resource-groups"))["resourceGroupResponseList"][0]
    assert stored["notification"] == "NEVER" and stored["entities"] == ["vm-101", "vm-102"]


def test_mount_not_listed(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="mount-not-listed")
    body = {
        "datastore": "nfs_ds02",
        "location": "svm-nfs01:/vol/nfs_ds02",
        "esxHostName": "esx01.lab.local",
    }
    api.ok(api.post("/4.1/datastores/backups/5/mount", json=body))
    api.finish_jobs()
    assert api.ok(api.get("/4.1/datastores/backups/5/mounted"))["mountedDatastoresList"] == []
    assert api.state.mounts


def test_detach_ignored(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="detach-ignored")
    disks = api.ok(api.get("/4.1/vm/vm-101/backups/4/vmdklocations"))["vmdkLocationsList"][:1]
    api.ok(api.post("/4.1/vm/vm-101/attachvmdks", json={"backupId": 4, "vmdkLocations": disks}))
    api.finish_jobs()
    job_id = api.ok(api.post("/4.1/vm/vm-101/detachvmdks", json={"vmdksToDetach": disks}))["jobId"]
    api.finish_jobs()
    assert api.ok(api.get(f"/4.1/jobs/{job_id}"))["status"] == "COMPLETED"
    assert len(api.ok(api.get("/4.1/vm/vm-101/backups/vmdklocations"))["vmdkLocationsList"]) == 4


def test_template_restore_accepted(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="template-restore-accepted")
    api.ok(api.post("/4.1/vm/vm-105/backups/2/restore", json={"restoreLocations": [NFS01]}))


def test_schedule_not_saved(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="schedule-not-saved")
    answered = api.ok(
        api.put(
            "/4.1/schedules", json={"name": "Schedule-PurgeJobs", "cronExpression": "0 0 4 * * ?"}
        )
    )
    assert answered["cronExpression"] == "0 0 4 * * ?"
    listed = api.ok(api.get("/4.1/schedules"))["scheduleResponseList"]
    assert {s["name"]: s["cronExpression"] for s in listed}["Schedule-PurgeJobs"] == "0 0 5 * * ?"


def test_job_filter_ignored(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault="job-filter-ignored")
    api.ok(api.post("/4.1/vm/vm-101/backups/4/restore", json={"restoreLocations": [NFS01]}))
    listed = api.ok(api.get("/4.1/jobs", params={"jobType": "restore"}))["jobResponseList"]
    assert {j["jobType"] for j in listed} == {"backup", "restore"}


def test_no_fault_means_no_deviation(api: Api) -> None:
    assert api.put("/4.1/resource-groups/99", json=GROUP).status_code == 404
    assert api.get("/4.1/policies").json()["uri"] is None


def test_every_fault_given_is_played(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(fault=("missing-required-field", "auth-skipped"))
    assert all("frequency" not in p for p in api.ok(api.get("/4.1/policies"))["policyResponseList"])
    assert api.raw("GET", "/api/4.1/schedules").status_code == 200


def test_emulate_takes_the_fault_flag_more_than_once() -> None:
    from conformance.cli import build_parser
    from conformance.emulator.cli import config_from

    args = build_parser().parse_args(
        ["emulate", "--fault", "auth-skipped", "--fault", "stack-trace", "--fault", "auth-skipped"]
    )
    assert config_from(args).faults == ("auth-skipped", "stack-trace")
    with pytest.raises(UsageError, match="unknown fault 'nope'"):
        create_app(EmulatorConfig(fault=("stack-trace", "nope")))
