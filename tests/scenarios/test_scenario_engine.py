"""The engine against the embedded emulator: faults, token renewal, cleanup, job failures."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import pytest
from scenario_helpers import SCENARIO_FAULTS, emulator, find_workflow, run_workflow, target_of

from conformance.http.session import LOGIN_PATH, Exchange, ScvSession
from conformance.scenarios.arazzo.failures import Stopped
from conformance.scenarios.deferred_report import call_title

pytestmark = pytest.mark.integration


def test_every_scenario_fault_has_a_workflow() -> None:
    from conformance.emulator import FAULTS

    scenario_faults = {name for name, fault in FAULTS.items() if fault.seen_by == "scenario"}
    assert scenario_faults == set(SCENARIO_FAULTS)


@pytest.mark.parametrize("fault", sorted(SCENARIO_FAULTS))
def test_fault_fails_the_right_workflow_at_the_right_step(fault: str) -> None:
    workflow_id, step_id = SCENARIO_FAULTS[fault]
    with emulator(fault=fault) as emu:
        clean = run_workflow(emu, "jobsAndReports") if fault == "job-filter-ignored" else None
        run = run_workflow(emu, workflow_id)
    if clean is not None:
        assert clean.result.error() is not None
    error = run.result.error()
    assert error is not None, f"{fault} went unnoticed by {workflow_id}"
    assert (error.workflow_id, error.step_id) == (workflow_id, step_id)
    assert str(error).startswith(f"{workflow_id}/{step_id}: ")
    assert error.exchange is not None


def test_a_job_that_never_finishes_fails_with_its_status_and_logs() -> None:
    with emulator(fault="job-never-finishes") as emu:
        run = run_workflow(emu, "backupOnDemand", job_timeout=1.0)
    error = run.result.error()
    assert error is not None and error.check == "job"
    assert "did not finish within 1 s" in error.detail
    assert "last status RUNNING, 50% done" in error.detail
    logs = [a for a in error.attachments if a.name.endswith(".log")]
    assert logs and "Backup of resource group scv-conformance-backup" in logs[0].text


def test_a_failed_job_ends_the_poll_at_once_with_its_logs() -> None:
    with emulator(fault="job-never-finishes") as emu:
        document_run = run_workflow(emu, "failStuckJob")
        assert document_run.result.passed
        # failFinishedJobRefused waits for a backup that the fault keeps running; fail it
        # from the side so that the poll sees FAILED.
        session = ScvSession(target_of(emu))

        def fail_running_backup() -> None:
            deadline = time.monotonic() + 3.0
            while time.monotonic() < deadline:
                answer = session.request("GET", "/4.1/jobs", params={"jobType": "backup"})
                running = [
                    j["id"]
                    for j in answer.json()["response"]["jobResponseList"]
                    if j["status"] == "RUNNING" and "failjobs-done" in str(j.get("description"))
                ]
                if running:
                    time.sleep(0.2)
                    session.request("PUT", f"/4.1/jobs/{running[0]}/failJobs")
                    return
                time.sleep(0.05)

        side = threading.Thread(target=fail_running_backup)
        side.start()
        run = run_workflow(emu, "failFinishedJobRefused", job_timeout=5.0)
        side.join()
        session.close()
    error = run.result.error()
    assert error is not None
    assert (error.step_id, error.check) == ("waitForBackupJob", "job")
    assert "ended FAILED: Job was marked as failed by the user" in error.detail
    assert any("marked as failed" in a.text for a in error.attachments)


def test_cleanup_runs_after_a_mid_workflow_failure() -> None:
    with emulator(fault="state-not-persisted") as emu:
        run = run_workflow(emu, "modifyResourceGroup")
        session = ScvSession(target_of(emu))
        groups = session.request("GET", "/4.1/resource-groups").json()
        session.close()
    error = run.result.error()
    assert error is not None and error.step_id == "readBackGroup"
    assert run.result.cleanup_failures == []
    names = [g["name"] for g in groups["response"]["resourceGroupResponseList"]]
    assert "scv-conformance-rg-modify" not in names
    assert names == ["RG-Finance", "RG-Web"]


def test_cleanup_failure_is_reported() -> None:
    with emulator() as emu:
        session = ScvSession(target_of(emu))
        # A group of that name makes the workflow's own createGroup fail (409); cleanup
        # of the created group is then skipped, not failed.
        groups = session.request("GET", "/4.1/resource-groups").json()
        body = {
            "name": "scv-conformance-rg-modify",
            "entities": ["vm-103"],
            "policies": [{"id": 1}],
        }
        assert session.request("POST", "/4.1/resource-groups", json=body).status_code == 200
        session.close()
        run = run_workflow(emu, "modifyResourceGroup")
    assert groups["statusCode"] == 200
    error = run.result.error()
    assert error is not None and error.step_id == "createGroup"
    assert "HTTP 409" in error.detail
    # nothing was created: the removal and its read-back are skipped, nothing failed
    assert run.result.skipped_cleanup == ["cleanUp/removeGroup", "cleanUp/checkGroupGone"]
    assert run.result.cleanup_failures == []


def test_a_cleanup_failure_names_the_called_workflow_s_step_its_call_is_reported_under() -> None:
    """The Allure step that turns red is found by the name the engine gave its call."""
    seen: list[str] = []
    with emulator(fault="detach-ignored") as emu:
        run = run_workflow(
            emu, "attachVmdk", on_call=lambda step, ex: seen.append(call_title(step, ex))
        )
    [failure] = run.result.cleanup_failures
    assert (failure.step_id, failure.step_path) == ("cleanUp", "cleanUp/checkDiskGone")
    assert call_title(failure.step_path, failure.exchange) in seen


def test_the_engine_adds_no_call_and_no_token_of_its_own() -> None:
    """Every call is a step: the workflow's logIn step is the only login, its token is sent."""
    with emulator() as emu:
        seen: list[tuple[str, str | None]] = []
        run = run_workflow(
            emu,
            "restoreVmdk",
            on_call=lambda step, ex: seen.append(
                (step, ex.request_headers.get("token") or ex.request_headers.get("Token"))
            ),
        )
    assert run.result.passed, run.result.error()
    assert run.session.logins == 0
    _, workflow = find_workflow("restoreVmdk")
    called = list(dict.fromkeys(step for step, _ in seen))
    assert called == [str(s["stepId"]) for s in workflow.steps]
    vcenter_steps = {"openVcenterSession", "vmdkInVcenter"}
    assert all(token == "[REDACTED]" for step, token in seen[1:] if step not in vcenter_steps)


def test_a_token_that_expires_mid_workflow_fails_the_step_as_in_any_runner() -> None:
    # token_ttl is in minutes: 0.01 min = 0.6 s, shorter than the workflow's job.
    with emulator(token_ttl=0.01, job_duration=1.0) as emu:
        run = run_workflow(emu, "backupOnDemand", job_timeout=10.0)
    error = run.result.error()
    assert error is not None and error.step_id == "waitForBackupJob"
    assert "HTTP 401" in error.detail


def test_a_stop_request_starts_nothing_more_but_the_cleanup() -> None:
    calls: list[tuple[str, str, str]] = []

    def record(step_id: str, exchange: Exchange) -> None:
        calls.append((step_id, exchange.method, urlsplit(exchange.url).path.removeprefix("/api")))

    def asked_to_stop() -> bool:  # once the policy is created: an interrupt came meanwhile
        return any(step == "createPolicy" for step, _, _ in calls)

    with emulator() as emu:
        with ScvSession(target_of(emu)) as reader:
            before = reader.request("GET", "/4.1/policies").json()["response"]
        with pytest.raises(Stopped, match="asked to stop before step listPolicies"):
            run_workflow(
                emu,
                "createResourceGroupWithNewPolicy",
                on_call=record,
                stop_requested=asked_to_stop,
            )
        with ScvSession(target_of(emu)) as reader:
            after = reader.request("GET", "/4.1/policies").json()["response"]
    # the appliance's calls that change state (logins aside)
    changes = [
        (step, method, path)
        for step, method, path in calls
        if method != "GET" and path.startswith("/4.1/") and path != LOGIN_PATH
    ]
    assert [step for step, _, _ in changes] == ["createPolicy", "cleanUp/removePolicy"]
    assert not any(path.startswith("/4.1/resource-groups") for _, _, path in changes)
    assert after == before  # the policy it created is gone again


def test_a_stop_request_ends_the_wait_for_a_job_and_the_cleanup_waits_for_it_instead() -> None:
    calls: list[tuple[str, int | None]] = []

    def record(step_id: str, exchange: Exchange) -> None:
        calls.append((step_id, exchange.status_code))

    def asked_to_stop() -> bool:  # at the first poll of the backup's job
        return any(step == "waitForBackupJob" for step, _ in calls)

    with emulator(job_duration=5.0) as emu:  # the first poll finds it running
        with pytest.raises(Stopped, match="asked to stop before step waitForBackupJob"):
            run_workflow(
                emu,
                "backupOnDemand",
                job_timeout=30.0,
                on_call=record,
                stop_requested=asked_to_stop,
            )
        with ScvSession(target_of(emu)) as reader:
            groups = reader.request("GET", "/4.1/resource-groups").json()["response"]
    # stopped at the first wait between polls (the step's own check came before the flag);
    # the polls after that are the cleanup's, which waits for the job to end
    steps = [step for step, _ in calls]
    assert "vmBackups" not in steps
    assert any(step.startswith("cleanUp/") for step in steps)
    names = [g["name"] for g in groups["resourceGroupResponseList"]]
    assert not any(name.startswith("scv-conformance-backup") for name in names), names
