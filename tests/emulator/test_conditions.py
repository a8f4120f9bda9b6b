"""Conditions: legitimate appliance behaviour the emulator plays for a client to survive."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pytest

from conformance.core.errors import UsageError
from conformance.emulator import EmulatorConfig
from conformance.emulator import cli as emulator_cli
from conformance.emulator.conditions import (
    CONDITIONS,
    JOB_FAILURE_MESSAGE,
    SLOW_JOB_FACTOR,
    TOKEN_USES,
    TRANSIENT_EVERY,
)
from tests.emulator.conftest import Api, assert_conforms, error

pytestmark = pytest.mark.unit

GROUP_BACKUP = {"resourceGroupId": 1, "policyId": 1}


def backups_of_vm(api: Api) -> int:
    return len(api.ok(api.get("/4.1/vm/vm-101/backups"))["backupResponseList"])


def test_every_condition_the_issue_names_is_known_and_described() -> None:
    named = {
        "token-expiry",
        "job-failure",
        "slow-jobs",
        "transient-errors",
        "translation-spelling",
        "snapshotlocators",
    }
    assert named <= set(CONDITIONS)
    assert all(c.description and c.survive for c in CONDITIONS.values())


def test_an_unknown_condition_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown condition 'token-expired'"):
        EmulatorConfig(conditions=("token-expired",)).validate()


def test_token_expiry_a_token_serves_a_few_calls_then_401(make_api: Callable[..., Api]) -> None:
    api = make_api(conditions=("token-expiry",))
    for _ in range(TOKEN_USES):
        api.ok(api.get("/4.1/policies"))
    error(api.get("/4.1/policies"), 401)
    # and stays refused; a new login serves again
    error(api.get("/4.1/policies"), 401)
    api.travel(seconds=0)
    api.ok(api.get("/4.1/policies"))


def test_without_token_expiry_a_token_serves_any_number_of_calls(api: Api) -> None:
    for _ in range(TOKEN_USES * 3):
        api.ok(api.get("/4.1/policies"))


def test_job_failure_jobs_end_failed_and_change_nothing(make_api: Callable[..., Api]) -> None:
    api = make_api(conditions=("job-failure",))
    before = backups_of_vm(api)
    job_id = api.ok(api.post("/4.1/resource-groups/backupnow", json=GROUP_BACKUP))["jobId"]
    assert api.ok(api.get(f"/4.1/jobs/{job_id}"))["status"] == "RUNNING"
    api.finish_jobs()
    answer = api.get(f"/4.1/jobs/{job_id}")
    assert_conforms("getJob", answer)
    job = api.ok(answer)
    assert (job["status"], job["errorMessage"]) == ("FAILED", JOB_FAILURE_MESSAGE)
    assert job["endTime"] is not None
    assert backups_of_vm(api) == before


def test_slow_jobs_run_longer(make_api: Callable[..., Api]) -> None:
    api = make_api(conditions=("slow-jobs",), job_duration=1.0)
    job_id = api.ok(api.post("/4.1/resource-groups/backupnow", json=GROUP_BACKUP))["jobId"]
    api.clock.advance(seconds=SLOW_JOB_FACTOR - 1)
    assert api.ok(api.get(f"/4.1/jobs/{job_id}"))["status"] == "RUNNING"
    api.clock.advance(seconds=2)
    assert api.ok(api.get(f"/4.1/jobs/{job_id}"))["status"] == "COMPLETED"


def test_transient_errors_an_occasional_503_that_changes_nothing(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(conditions=("transient-errors",))
    assert api.token  # the login is the first SCV request
    jobs_before = len(api.state.jobs)
    statuses = []
    for _ in range(TRANSIENT_EVERY * 2):
        answer = api.post("/4.1/resource-groups/backupnow", json=GROUP_BACKUP)
        statuses.append(answer.status_code)
        if answer.status_code == 503:
            assert answer.json()["statusMessage"] == "SERVICE_UNAVAILABLE"
        api.finish_jobs()
    # the 4th and 8th SCV requests (the login was the 1st)
    assert [i for i, s in enumerate(statuses) if s == 503] == [2, 6]
    assert set(statuses) == {200, 503}
    # a refused request was not processed: one job per 200
    assert len(api.state.jobs) - jobs_before == statuses.count(200)
    # vCenter is not counted
    for _ in range(TRANSIENT_EVERY):
        assert api.raw("GET", "/api/vcenter/vm").status_code == 401


def test_translation_spelling_answers_the_translated_key(make_api: Callable[..., Api]) -> None:
    api = make_api(conditions=("translation-spelling",))
    assert list(api.ok(api.get("/4.1/vm/vm-101/backups/availableesxhosts"))) == [
        "AvailableEsxHostsList"
    ]


def test_snapshotlocators_serves_only_that_path(make_api: Callable[..., Api]) -> None:
    api = make_api(conditions=("snapshotlocators",))
    api.ok(api.get("/4.1/datastores/backups/5/snapshotlocators"))
    error(api.get("/4.1/datastores/backups/5/snapshotlocations"), 404)
    plain = make_api()
    plain.ok(plain.get("/4.1/datastores/backups/5/snapshotlocations"))


def test_conditions_combine(make_api: Callable[..., Api]) -> None:
    api = make_api(conditions=("token-expiry", "translation-spelling"))
    for _ in range(TOKEN_USES):
        assert "AvailableEsxHostsList" in api.ok(
            api.get("/4.1/vm/vm-101/backups/availableesxhosts")
        )
    error(api.get("/4.1/policies"), 401)


def test_emulate_takes_conditions_repeatably() -> None:
    parser = argparse.ArgumentParser()
    emulator_cli.add_arguments(parser)
    args = parser.parse_args(["--condition", "token-expiry", "--condition", "job-failure"])
    config = emulator_cli.config_from(args)
    assert config.conditions == ("token-expiry", "job-failure")
    assert (config.token_uses, config.jobs_fail) == (TOKEN_USES, True)
    with pytest.raises(UsageError, match="unknown condition 'slow'"):
        emulator_cli.config_from(parser.parse_args(["--condition", "slow"]))
    assert emulator_cli.config_from(parser.parse_args([])).conditions == ()
