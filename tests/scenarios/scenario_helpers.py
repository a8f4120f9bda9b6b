"""Shared helpers of the scenario tests: emulators and running workflows directly."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from conformance.emulator import EmbeddedEmulator, EmulatorConfig
from conformance.http.session import ScvSession, Target
from conformance.scenarios import harness, inventory, loader
from conformance.scenarios.arazzo.document import ScenarioDocument, Workflow
from conformance.scenarios.arazzo.engine import CallListener, RunResult
from conformance.scenarios.vcenter import VcenterClient

JOB_DURATION = 0.2

#: Fault -> the workflow that must notice it, and the step where it does.
SCENARIO_FAULTS = {
    "job-never-finishes": ("backupOnDemand", "waitForBackupJob"),
    "state-not-persisted": ("modifyResourceGroup", "readBackGroup"),
    "mount-not-listed": ("mountDatastoreBackup", "listMounted"),
    "detach-ignored": ("detachVmdk", "diskGoneInVcenter"),
    "template-restore-accepted": ("restoreTemplateRefused", "restoreTemplate"),
    "schedule-not-saved": ("modifyBuiltInSchedule", "readBackSchedule"),
    "job-filter-ignored": ("jobsAndReports", "listRestoreJobs"),
}
JOB_TIMEOUT = 1.5


@contextmanager
def emulator(**options: object) -> Iterator[EmbeddedEmulator]:
    """An embedded emulator with short jobs (TLS unless told otherwise)."""
    options.setdefault("job_duration", JOB_DURATION)
    with EmbeddedEmulator(EmulatorConfig(port=0, **options)) as emu:  # type: ignore[arg-type]
        yield emu


def target_of(emu: EmbeddedEmulator) -> Target:
    return Target(
        emu.base_url,
        emu.username,
        emu.password,
        verify=emu.ca_path or False,
        vcenter_url=emu.vcenter_url,
        embedded=True,
    )


@lru_cache(maxsize=1)
def documents() -> tuple[ScenarioDocument, ...]:
    """The scenario documents, loaded once per test process."""
    return tuple(loader.load(path) for path in loader.scenario_files())


def find_workflow(workflow_id: str) -> tuple[ScenarioDocument, Workflow]:
    for document in documents():
        for workflow in document.workflows:
            if workflow.workflow_id == workflow_id:
                return document, workflow
    raise KeyError(workflow_id)


@dataclass
class DirectRun:
    """The result of a workflow run straight through the engine, and its session."""

    result: RunResult
    session: ScvSession


def run_workflow(
    emu: EmbeddedEmulator,
    workflow_id: str,
    job_timeout: float = JOB_TIMEOUT,
    on_call: CallListener | None = None,
    stop_requested: Callable[[], bool] | None = None,
) -> DirectRun:
    """Run one workflow against ``emu`` with the emulator's inventory (``stop_requested``:
    the engine's, instead of the process's interrupts)."""
    document, workflow = find_workflow(workflow_id)
    target = target_of(emu)
    session = ScvSession(target)
    vcenter = VcenterClient(
        emu.vcenter_url, emu.username, emu.password, verify=emu.ca_path or False
    )
    try:
        wanted = list((workflow.input_schema.get("properties") or {}).keys())
        inputs = inventory.resolve_inventory(
            inventory.EMULATOR_INVENTORY,
            wanted,
            lambda path, name: vcenter.get_json(path, names=name),
        )
        inputs.update(harness.credential_inputs(emu.username, emu.password, wanted))
        engine = harness.engine(
            document, session, vcenter, job_timeout=job_timeout, on_call=on_call
        )
        if stop_requested is not None:
            engine.stop_requested = stop_requested
        return DirectRun(engine.run(workflow, inputs), session)
    finally:
        session.close()
        vcenter.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def standalone_workflows() -> list[tuple[ScenarioDocument, Workflow]]:
    """Every workflow that is a test of its own, in document order."""
    return [(document, workflow) for document in documents() for workflow in document.tests]


def emulator_inputs(emu: EmbeddedEmulator) -> dict[str, str]:
    """The inputs any workflow may take against ``emu``: inventory morefs and credentials."""
    vcenter = VcenterClient(
        emu.vcenter_url, emu.username, emu.password, verify=emu.ca_path or False
    )
    try:
        keys = list(inventory.EMULATOR_INVENTORY)
        inputs = inventory.resolve_inventory(
            inventory.EMULATOR_INVENTORY,
            keys,
            lambda path, name: vcenter.get_json(path, names=name),
        )
    finally:
        vcenter.close()
    inputs.update(harness.credential_inputs(emu.username, emu.password, ["username", "password"]))
    return inputs
