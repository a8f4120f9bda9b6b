"""Two destructive runs at once against one appliance: the second waits for the first.

The emulator runs as an external target, as a real appliance would; both runs have the
same configuration (one team's nightly job and a colleague's run). The first run takes
the appliance (its marker policy); a resource group's delete of the first run is held back
until the second run has said that it waits, so the two surely overlap; a third one, with
``--if-busy refuse``, ends at once with exit 3. The second run names the first, waits,
then runs: both pass, each leaves the appliance as it found it,
neither leaves anything behind, and the emulator's state afterwards is what it was before.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.safety import harness_cli
from tests.safety.appliances import RecordingEmulator
from tests.safety.test_interruption import environment

pytestmark = pytest.mark.integration

WAITS = "this run waits until it ends"
HOLDING = re.compile(r"policy scv-conformance-hold-(?P<run_id>[0-9a-f]{6})-")


class Output:
    """A run's output as it comes, read on a thread; ``seen`` is set on the first line
    holding ``watched``."""

    def __init__(self, process: subprocess.Popen[str], watched: str) -> None:
        self.process = process
        self.lines: list[str] = []
        self.seen = threading.Event()
        self.watched = watched
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if self.watched in line:
                self.seen.set()

    def finished(self, folder: Path, timeout: float = 300) -> harness_cli.Finished:
        self.process.wait(timeout=timeout)
        self._thread.join(timeout=10)
        output = "".join(self.lines)
        return harness_cli.Finished(self.process.returncode, output, 0, folder / "reports")


def test_a_second_destructive_run_waits_for_the_first_and_both_pass(tmp_path: Path) -> None:
    with RecordingEmulator(hold=_deleting_a_group) as emulator:
        before = emulator.inventory()
        folders = [tmp_path / "run1", tmp_path / "run2", tmp_path / "run3"]
        for folder in folders:
            folder.mkdir()
        first = Output(
            harness_cli.start(
                ["scenarios", "--allow-destructive"],
                _environment(emulator, folders[0], "svm-concurrent01"),
            ),
            "holding the appliance",
        )
        _wait_for(lambda: emulator.held > 0 or first.process.poll() is not None)
        refused = harness_cli.run(
            ["scenarios", "--allow-destructive", "--if-busy", "refuse"],
            _environment(emulator, tmp_path / "run3", "svm-concurrent01"),
        )
        second = Output(
            harness_cli.start(
                ["scenarios", "--allow-destructive"],
                _environment(emulator, folders[1], "svm-concurrent01"),
            ),
            WAITS,
        )
        _wait_for(lambda: second.seen.is_set() or second.process.poll() is not None)
        emulator.release.set()
        finished = [first.finished(folders[0]), second.finished(folders[1])]
        time.sleep(0.5)  # the last jobs end within the emulator's job duration
        after = emulator.inventory()
    for run in finished:
        assert run.code == 0, run.output
        assert run.summary["totals"]["failed"] == 0
        assert run.summary["leftovers"] == []
        assert run.summary["custody"]["equal"], run.summary["custody"]["differences"]
    holder = HOLDING.search(finished[0].output)
    assert holder is not None, finished[0].output
    (waiting,) = [line for line in finished[1].output.splitlines() if WAITS in line]
    assert f"scv-conformance run {holder['run_id']} holds this appliance" in waiting
    assert "since 20" in waiting and "at most" in waiting
    assert "holding the appliance" in finished[1].output  # then it ran
    first_hold, second_hold = (run.summary["hold"] for run in finished)
    assert first_hold["waitedFor"] is None
    assert first_hold["policy"].startswith(f"scv-conformance-hold-{holder['run_id']}-")
    assert second_hold["waitedFor"] == holder["run_id"] and second_hold["waitedSeconds"] > 0
    # --if-busy refuse: at once, exit 3, one line naming the holder, nothing run
    assert refused.code == 3, refused.output
    assert refused.summary["status"] == "busy" and refused.summary["totals"]["total"] == 0
    assert refused.summary["error"].startswith(
        f"the appliance is busy: {waiting.split(': this run waits')[0]}; not waiting "
        f"(--if-busy refuse) (if run {holder['run_id']} is no longer going, deleting policy "
    )
    assert "NOT RUN: another destructive run holds the appliance" in refused.output
    assert refused.summary["hold"]["policy"] is None
    assert refused.summary["hold"]["waitedFor"] == holder["run_id"]
    assert after == before


def _deleting_a_group(method: str, path: str) -> bool:
    return method == "DELETE" and "/4.1/resource-groups/" in path


def _environment(emulator: RecordingEmulator, folder: Path, storage: str) -> dict[str, str]:
    env = environment(emulator, folder, storage)
    env["COLUMNS"] = "400"  # one console line per line the run prints
    return env


def _wait_for(condition: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
