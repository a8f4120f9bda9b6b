"""A restored deleted VM is deleted again, only once vCenter confirms it is that VM.

``restoreDeletedVm`` (scenario 07) brings a deleted VM back; its cleanup workflow
``removeRestoredVm`` finds the VM by the name the restore job names, checks its uuid with
vCenter's ``getVm``, deletes it (``deleteVm``, a DELETE: destructive by the contract) and
proves with a second ``getVm`` (404) that it is gone. A VM of the same name with another
uuid is never deleted; the cleanup then fails and the ledger lists what was left.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from conformance.custody.ledger import Ledger
from conformance.emulator.model import Vm
from conformance.http.session import ScvSession, Target
from conformance.scenarios import extensions, harness, inventory, loader
from conformance.scenarios.arazzo.engine import RunResult
from conformance.scenarios.vcenter import VcenterClient
from tests.safety.appliances import RecordingEmulator

pytestmark = pytest.mark.integration

DOCUMENT = "07-restore-deleted-vm.arazzo.yaml"


def _restore(emulator: RecordingEmulator, ledger: Ledger) -> RunResult:
    (path,) = [p for p in loader.scenario_files() if p.name == DOCUMENT]
    document = loader.load(path)
    (workflow,) = [w for w in document.workflows if w.workflow_id == "restoreDeletedVm"]
    config = emulator.config
    target = Target(emulator.base_url, config.username, config.password, verify=False)
    session = ScvSession(target)
    vcenter = VcenterClient(emulator.vcenter_url, config.username, config.password, verify=False)
    try:
        wanted = list(workflow.input_schema["properties"])
        inputs: dict[str, Any] = inventory.resolve_inventory(
            inventory.EMULATOR_INVENTORY, wanted, None
        )
        inputs.update(harness.credential_inputs(config.username, config.password, wanted))
        engine = harness.engine(document, session, vcenter, job_timeout=10, ledger=ledger)
        return engine.run(workflow, inputs)
    finally:
        session.close()
        vcenter.close()


def test_the_cleanup_deletes_the_restored_vm_and_proves_it_gone() -> None:
    ledger = Ledger()
    with RecordingEmulator() as emulator:
        before = emulator.inventory()
        result = _restore(emulator, ledger)
        after = emulator.inventory()
        requests = list(emulator.requests)
    assert result.error() is None and not result.cleanup_failures
    deletes = [p for m, p in requests if m == "DELETE" and p.startswith("/api/vcenter/vm/")]
    assert len(deletes) == 1
    # the delete is followed by a read of the same VM (404)
    assert ("GET", deletes[0]) in requests[requests.index(("DELETE", deletes[0])) :]
    assert after == before  # the uuid is a deleted VM again, with no moref
    assert ledger.outstanding() == []


def test_a_vm_of_the_same_name_is_never_deleted_and_the_leftover_is_listed() -> None:
    ledger = Ledger()
    with RecordingEmulator() as emulator:
        state = emulator.appliance.state
        with state.lock:
            (legacy,) = [vm for vm in state.vms.values() if vm.deleted]
            impostor = replace(
                legacy, moref="vm-4242", uuid="4207ffff-0000-4000-8000-000000000001", deleted=False
            )
            impostor.power_state = "POWERED_OFF"
            # vCenter lists the impostor first under the restored VM's name
            vms: dict[str, Vm] = {impostor.uuid: impostor, **state.vms}
            state.vms.clear()
            state.vms.update(vms)
        result = _restore(emulator, ledger)
        after = emulator.inventory()
    assert result.failure is None  # the restore itself worked
    (failure,) = result.cleanup_failures
    assert "confirmUuid" in str(failure), failure
    assert ("4207ffff-0000-4000-8000-000000000001", "vm-4242", False) in [
        vm[:3] for vm in after["vms"]
    ]
    (owed,) = ledger.outstanding()
    assert owed["workflowId"] == "restoreDeletedVm" and owed["cleanupStep"] == "cleanUp"
    assert f"vmUuid={legacy.uuid}" in owed["request"]
    assert owed["request"].startswith("removeRestoredVm(")


def test_deleting_a_vm_is_destructive_by_the_contract() -> None:
    (path,) = [p for p in loader.scenario_files() if p.name == DOCUMENT]
    document = loader.load(path)
    cleanup = next(w for w in document.workflows if w.workflow_id == "removeRestoredVm")
    assert extensions.state_changing_steps(cleanup) == ["deleteRestoredVm"]
    assert extensions.destructive(cleanup)
