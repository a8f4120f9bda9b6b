"""A destructive run leaves the appliance as it found it, and proves it in its report.

The emulator runs as an external target (as a real appliance would); fuzzing with every
phase sends every state-changing operation of the contract, steered onto items the run
makes for the purpose. Afterwards the emulator's state (groups, policies, storage
systems, mounts, VMs and disks, schedules, audit settings) is what it was before, the
run's own ``custody`` says so, and the accepted calls that cannot be undone are listed as
side effects.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.contract.matching import OperationMatcher
from conformance.contract.spec import load_contract
from tests.safety import harness_cli
from tests.safety.appliances import RecordingEmulator
from tests.safety.test_interruption import environment

pytestmark = pytest.mark.integration


def test_a_destructive_fuzzing_run_puts_the_appliance_back(tmp_path: Path) -> None:
    contract = load_contract()
    matcher = OperationMatcher(contract)
    with RecordingEmulator() as emulator:
        before = emulator.inventory()
        env = environment(emulator, tmp_path, "svm-custody01")
        env["SCV_MAX_EXAMPLES"] = "3"
        finished = harness_cli.run(
            ["run", "--only", "fuzz", "--profile", "full", "--allow-destructive"], env
        )
        after = emulator.inventory()
        sent = {
            found.operation_id
            for method, path in emulator.requests
            if (found := matcher.operation(method, path)) is not None
        }
    assert finished.code == 0, finished.output
    changing = {op.operation_id for op in contract.operations if op.mutates}
    # what no run can put back (x-scv-unconfined) is left to its workflows, never fuzzed
    unconfined = {op.operation_id for op in contract.operations if op.unconfined}
    assert unconfined and not unconfined & sent
    assert changing - unconfined <= sent  # every other state-changing operation was fuzzed
    assert after == before
    custody = finished.summary["custody"]
    assert custody["equal"], custody["differences"]
    assert custody["removed"]["done"] and custody["removed"]["failed"] == []
    assert any(e.get("operationId") == "backupResourceGroupNow" for e in custody["sideEffects"])
    assert finished.summary["leftovers"] == []
    assert "appliance state: as found at the start" in finished.output
    assert "## Appliance state" in (finished.run_dir / "summary.md").read_text()
