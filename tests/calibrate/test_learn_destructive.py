"""`learn --allow-destructive`: the documented state-changing workflows answer too, and
everything they create is removed again, also when learn is interrupted."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from conformance.cli import main
from tests.safety import harness_cli
from tests.safety.appliances import RecordingEmulator
from tests.safety.test_interruption import config_file

pytestmark = pytest.mark.integration

CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def _settled(emulator: RecordingEmulator) -> dict[str, object]:
    time.sleep(1.0)  # jobs end within the emulator's job duration
    return emulator.inventory()


def _changes(emulator: RecordingEmulator) -> list[str]:
    return [
        f"{m} {p}" for m, p in emulator.requests if m in CHANGING and not p.endswith("/auth/login")
    ]


def test_learn_exercises_the_workflows_and_leaves_the_appliance_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "learned.yaml"
    # the other path and spelling: the preflight finds them, and the workflows use them
    alternatives = {"spelling": "translation", "snapshot_path": "snapshotlocators"}
    with RecordingEmulator(**alternatives) as emulator:
        before = emulator.inventory()
        config = config_file(emulator, tmp_path, "svm-learn01")
        monkeypatch.setenv("SCV_PASSWORD", emulator.config.password)
        code = main(["learn", "--config", str(config), "--out", str(out), "--allow-destructive"])
        after = _settled(emulator)
        changes = _changes(emulator)
    console = capsys.readouterr().out
    assert code == 0, console
    assert after == before, "everything learn created is gone again"
    assert any(c.startswith("POST /api/4.1/resource-groups") for c in changes)
    assert any(c.startswith("DELETE /api/4.1/resource-groups/") for c in changes)
    assert any(c.endswith("/backupnow") for c in changes)
    assert "workflow createResourceGroup: ran, cleaned up" in console
    ran = [line for line in console.splitlines() if line.startswith("workflow ")]
    assert len(ran) == 27 and not [line for line in ran if "failed" in line], console
    assert "workflow mountDatastoreBackup: ran, cleaned up" in console
    overlay = yaml.safe_load(out.read_text())
    assert all(a["x-evidence"] == "observed" for a in overlay["actions"])
    assert emulator.config.password not in console


def test_without_the_flag_learn_sends_no_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with RecordingEmulator() as emulator:
        config = tmp_path / "read-only.toml"
        config.write_text(
            f'target = "{emulator.base_url}"\nusername = "{emulator.config.username}"\n'
        )
        config.chmod(0o600)
        monkeypatch.setenv("SCV_PASSWORD", emulator.config.password)
        code = main(["learn", "--config", str(config), "--out", str(tmp_path / "o.yaml")])
        changes = _changes(emulator)
    assert code == 0 and changes == []
    assert "workflow" not in capsys.readouterr().out


def test_an_interrupted_learn_cleans_up_and_writes_no_overlay(tmp_path: Path) -> None:
    out = tmp_path / "learned.yaml"
    # deletes take a moment: the interrupt lands while the workflow still owes its cleanup
    with RecordingEmulator(delete_delay=0.5) as emulator:
        before = emulator.inventory()
        env = harness_cli.environment(
            tmp_path / "reports",
            SCV_CONFIG=str(config_file(emulator, tmp_path, "svm-learn02")),
            SCV_PASSWORD=emulator.config.password,
        )
        process = harness_cli.start(["learn", "--out", str(out), "--allow-destructive"], env)
        while process.poll() is None and not any(
            m == "POST" and p.endswith("/4.1/resource-groups") for m, p in emulator.requests
        ):
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        after = _settled(emulator)
    assert process.returncode == 3, output
    assert "learn interrupted" in output and "Traceback" not in output
    assert not out.exists()
    assert after == before, "the interrupted workflow's cleanup ran"
