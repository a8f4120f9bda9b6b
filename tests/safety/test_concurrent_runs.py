"""Two runs against one appliance at once: neither trips over the other's resources.

What a workflow creates is named after the run (``scv-conformance-<run id>-...``), so two
runs of every workflow side by side against one emulator both pass and leave it as it was.
Each run has its own storage system and works on its own VMs, as two teams sharing an
appliance would: workflows check the disks of the VM they work on.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.safety import harness_cli
from tests.safety.appliances import RecordingEmulator
from tests.safety.test_interruption import environment

pytestmark = pytest.mark.integration


def test_two_runs_at_once_against_one_appliance_both_pass(tmp_path: Path) -> None:
    with RecordingEmulator() as emulator:
        before = emulator.inventory()
        started = []
        own = {
            1: {},
            2: {"vm": "web-frontend01", "alternate_vm": "finance-app01", "datastore": "nfs_ds02"},
        }
        for n in (1, 2):
            folder = tmp_path / f"run{n}"
            folder.mkdir()
            env = environment(emulator, folder, f"svm-concurrent0{n}", own[n])
            started.append((harness_cli.start(["run", "--only", "scenarios"], env), folder))
        finished = []
        for process, folder in started:
            output, _ = process.communicate(timeout=600)
            finished.append(harness_cli.Finished(process.returncode, output, 0, folder / "reports"))
        time.sleep(1.0)
        after = emulator.inventory()
        created = {p for m, p in emulator.requests if m == "POST" and p.endswith("resource-groups")}
    for run in finished:
        assert run.code == 0, run.output
        assert run.summary["totals"]["failed"] == 0
    assert created  # both created resource groups
    assert after == before
