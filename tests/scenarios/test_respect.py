"""The scenario documents under Redocly Respect (the pinned @redocly/cli), unchanged.

Every workflow passes against a healthy emulator and leaves nothing behind; for every
scenario fault of the emulator, Respect fails at the same workflow and step as this
harness's engine. Respect runs from ``node_modules`` (``npm ci``), as CI installs it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from scenario_helpers import (
    SCENARIO_FAULTS,
    documents,
    emulator,
    emulator_inputs,
    run_workflow,
    standalone_workflows,
    target_of,
)

from conformance.core.paths import SCENARIOS_DIR
from conformance.emulator import EmbeddedEmulator
from conformance.http.session import ScvSession
from conformance.scenarios import inventory, loader

pytestmark = pytest.mark.integration

ROOT = SCENARIOS_DIR.parent
RESPECT = ("npx", "--no-install", "redocly", "respect")
#: Respect waits ``retryAfter`` (1 s) between job polls; jobs of 0.3 s end by the second.
JOB_DURATION = 0.3
#: Our engine's job timeout under faults: long enough for a healthy job.
JOB_TIMEOUT = 2.0
#: Extra step executions Respect may spend on polls before it is stopped.
POLL_BUDGET = 8
#: Respect processes (and emulators) that run the healthy documents side by side.
PARALLEL = 4


@dataclass(frozen=True)
class Outcome:
    """How Respect ended one workflow: passed, or the step it stopped at."""

    passed: bool
    step: str | None


@dataclass
class RespectRun:
    """A Respect process running in the background, and where it writes its report."""

    process: subprocess.Popen[str]
    report: Path

    def outcomes(self) -> dict[str, Outcome]:
        """Wait for the process; each executed workflow's outcome."""
        stdout, stderr = self.process.communicate(timeout=600)
        assert self.report.exists(), f"Respect wrote no report:\n{stdout[-3000:]}{stderr}"
        outcomes: dict[str, Outcome] = {}
        for result in json.loads(self.report.read_text())["files"].values():
            for workflow in result["executedWorkflows"]:
                steps = workflow["executedSteps"]
                passed = workflow["status"] == "success"
                last = _last_step(steps)
                outcomes[workflow["workflowId"]] = Outcome(passed, None if passed else last)
        return outcomes


def _last_step(steps: list[dict[str, object]]) -> str | None:
    """The last step Respect executed; a goto nests the steps it runs under an entry of
    its own, without a stepId."""
    for step in reversed(steps):
        if step.get("stepId"):
            return str(step["stepId"])
        nested = step.get("executedSteps")
        if isinstance(nested, list) and (found := _last_step(nested)):
            return found
    return None


def start_respect(
    emu: EmbeddedEmulator,
    report: Path,
    files: list[Path],
    *,
    workflows: tuple[str, ...] = (),
    skip: tuple[str, ...] = (),
    max_steps: int | None = None,
) -> RespectRun:
    """Start Respect on ``files`` against ``emu``, as a user would from the repository."""
    inputs = ",".join(f"{k}={v}" for k, v in emulator_inputs(emu).items())
    command = [
        *RESPECT,
        *map(str, files),
        "--input",
        inputs,
        "--server",
        f"scv={emu.base_url},vcenter={emu.vcenter_url}",
        "--json-output",
        str(report),
        "--execution-timeout",
        "300000",
    ]
    for workflow_id in workflows:
        command += ["--workflow", workflow_id]
    for workflow_id in skip:
        command += ["--skip", workflow_id]
    if max_steps is not None:
        command += ["--max-steps", str(max_steps)]
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return RespectRun(process, report)


def called_workflows() -> tuple[str, ...]:
    return tuple(sorted({w for document in documents() for w in document.called}))


@pytest.fixture(scope="module")
def healthy(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[list[EmbeddedEmulator], dict[str, Outcome]]]:
    """Every document under Respect: PARALLEL processes, each with an emulator of its own.

    Respect spends most of its time waiting between job polls, so the processes overlap.
    """
    files = loader.scenario_files()
    groups = [files[i::PARALLEL] for i in range(PARALLEL)]
    folder = tmp_path_factory.mktemp("respect")
    with ExitStack() as stack:
        emulators = [
            stack.enter_context(emulator(tls=False, job_duration=JOB_DURATION)) for _ in groups
        ]
        runs = [
            start_respect(emu, folder / f"{i}.json", group, skip=called_workflows())
            for i, (emu, group) in enumerate(zip(emulators, groups, strict=True))
        ]
        outcomes: dict[str, Outcome] = {}
        for run in runs:
            outcomes.update(run.outcomes())
        yield emulators, outcomes


def test_every_workflow_passes_under_respect(
    healthy: tuple[list[EmbeddedEmulator], dict[str, Outcome]],
) -> None:
    _, outcomes = healthy
    expected = [workflow.workflow_id for _, workflow in standalone_workflows()]
    assert sorted(outcomes) == sorted(expected)
    failed = {w: o.step for w, o in outcomes.items() if not o.passed}
    assert failed == {}


def test_respect_runs_the_cleanup_workflows_and_leaves_nothing_behind(
    healthy: tuple[list[EmbeddedEmulator], dict[str, Outcome]],
) -> None:
    for emu in healthy[0]:
        with ScvSession(target_of(emu)) as session:
            groups = session.request("GET", "/4.1/resource-groups").json()["response"]
            systems = session.request("GET", "/4.1/storage-system").json()["response"]
            backups = session.request("GET", "/4.1/datastores/datastore-201/backups").json()
            backup_id = backups["response"]["backupResponseList"][0]["backupId"]
            mounts = session.request("GET", f"/4.1/datastores/backups/{backup_id}/mounted").json()
            schedules = session.request("GET", "/4.1/schedules").json()["response"]
            protected = session.request("GET", "/4.1/reports/protectedVM").json()["response"]
        names = [g["name"] for g in groups["resourceGroupResponseList"]]
        assert names == ["RG-Finance", "RG-Web"]
        assert "svm-scenario01" not in [s["name"] for s in systems["storageSystemResponseList"]]
        assert mounts["response"]["mountedDatastoresList"] == []
        assert all(s["cronExpression"] != "0 47 3 * * ?" for s in schedules["scheduleResponseList"])
        # the restored deleted VM is deleted again
        deleted = inventory.EMULATOR_INVENTORY["deleted_vm_uuid"]
        assert deleted not in [vm["uuid"] for vm in protected["protectedVmList"]]


def our_failures(emu: EmbeddedEmulator) -> dict[str, str]:
    """workflowId -> failing stepId for every workflow our engine fails against ``emu``."""
    failures = {}
    for _, workflow in standalone_workflows():
        error = run_workflow(emu, workflow.workflow_id, job_timeout=JOB_TIMEOUT).result.error()
        if error is not None:
            failures[workflow.workflow_id] = error.step_id
    return failures


@pytest.mark.parametrize("fault", sorted(SCENARIO_FAULTS))
def test_respect_and_the_engine_fail_at_the_same_workflow_and_step(
    fault: str, tmp_path: Path
) -> None:
    # Which workflows the fault fails, all of them run in order by our engine:
    with emulator(tls=False, job_duration=JOB_DURATION, fault=fault) as emu:
        failing = list(our_failures(emu))
    assert SCENARIO_FAULTS[fault][0] in failing
    # Then each of those workflows on fresh emulators, one per tool and workflow; the
    # Respect processes run side by side while our engine runs.
    by_id = {w.workflow_id: (d, w) for d, w in standalone_workflows()}
    ours: dict[str, str | None] = {}
    with ExitStack() as stack:
        runs = {}
        for workflow_id in failing:
            document, workflow = by_id[workflow_id]
            emu = stack.enter_context(emulator(tls=False, job_duration=JOB_DURATION, fault=fault))
            runs[workflow_id] = start_respect(
                emu,
                tmp_path / f"{workflow_id}.json",
                [document.path],
                workflows=(workflow_id,),
                max_steps=len(workflow.operation_steps()) + POLL_BUDGET,
            )
        for workflow_id in failing:
            with emulator(tls=False, job_duration=JOB_DURATION, fault=fault) as emu:
                error = run_workflow(emu, workflow_id, job_timeout=JOB_TIMEOUT).result.error()
            ours[workflow_id] = error.step_id if error is not None else None
        theirs = {w: run.outcomes()[w].step for w, run in runs.items()}
    assert None not in ours.values(), ours
    assert theirs == ours
