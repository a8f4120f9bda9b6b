"""executor.json: the CI build a run belongs to, and nothing outside CI."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from conformance.reporting.metadata import executor
from tests.runner.conftest import Run

pytestmark = pytest.mark.integration


def test_github_actions_run_writes_executor(
    fake_run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/scv-conformance")
    monkeypatch.setenv("GITHUB_WORKFLOW", "nightly")
    run = fake_run("clean")
    value = json.loads((run.run_dir / "allure-results" / "executor.json").read_text())
    assert value["type"] == "github"
    assert value["buildName"] == "nightly #4242"
    assert value["buildUrl"] == "https://github.com/acme/scv-conformance/actions/runs/4242"
    assert value["buildOrder"] == 4242


def test_gitlab() -> None:
    value = executor(
        {
            "CI_JOB_URL": "https://gitlab.lab/g/p/-/jobs/7",
            "CI_PIPELINE_ID": "99",
            "CI_PROJECT_PATH": "g/p",
        }
    )
    assert value == {
        "name": "GitLab CI",
        "type": "gitlab",
        "buildName": "g/p #99",
        "reportName": "SCV conformance",
        "buildUrl": "https://gitlab.lab/g/p/-/jobs/7",
        "reportUrl": "https://gitlab.lab/g/p/-/jobs/7",
        "buildOrder": 99,
    }


def test_jenkins() -> None:
    value = executor(
        {"BUILD_URL": "https://ci.lab/job/scv/12/", "BUILD_NUMBER": "12", "JOB_NAME": "scv"}
    )
    assert value is not None
    assert (value["type"], value["buildName"], value["buildUrl"]) == (
        "jenkins",
        "scv #12",
        "https://ci.lab/job/scv/12/",
    )


def test_outside_ci() -> None:
    assert executor({"HOME": "/root"}) is None
