"""Two runs against one appliance at once: neither trips over the other's resources.

What a workflow creates is named after the run (``scv-conformance-<run id>-...``), so two
runs of every workflow side by side against one emulator both pass and leave it as it was.
Each run has its own storage system and works on its own VMs, as two teams sharing an
appliance would: workflows check the disks of the VM they work on. The second run starts
while the first one holds a resource group (its delete is held back until the second run
has looked): it reports the first run as another run on the appliance, and both go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.safety import harness_cli
from tests.safety.appliances import RecordingEmulator
from tests.safety.test_interruption import environment

pytestmark = pytest.mark.integration


def test_two_runs_at_once_against_one_appliance_both_pass(tmp_path: Path) -> None:
    with RecordingEmulator(hold=_deleting_a_group) as emulator:
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
            if n == 1:  # the second starts once the first holds a resource group
                _wait_for(lambda: emulator.held > 0 or started[0][0].poll() is not None)
        # the second run has looked once its test process starts
        _wait_for(lambda: any((tmp_path / "run2" / "reports").glob("*/pytest*.log")))
        emulator.release.set()
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
    # the second run saw the first: another run id, named by the first run's groups
    (other,) = finished[1].summary["other_runs"]
    made_by_first = "".join(
        p.read_text() for p in (finished[0].run_dir / "allure-results").glob("*")
    )
    assert all(name in made_by_first for name in other["names"])
    assert f"another scv-conformance run ({other['runId']})" in finished[1].output
    assert "Other runs on this appliance" in (finished[1].run_dir / "summary.md").read_text()


def _deleting_a_group(method: str, path: str) -> bool:
    return method == "DELETE" and "/4.1/resource-groups/" in path


def _wait_for(condition: Callable[[], bool], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
