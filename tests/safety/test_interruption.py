"""Interrupted runs clean up, write their reports and leave no process behind.

The harness runs as a user runs it, against an emulator started as an external target
(--allow-destructive), and gets SIGINT or SIGTERM once the emulator has seen a number of
requests. Afterwards the emulator's inventory (resource groups, policies, storage systems,
mounts, VMs and their disks, schedules, audit settings) is what it was before.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.run.signals import SAME_REQUEST_SECONDS
from tests.safety import harness_cli
from tests.safety.appliances import RecordingEmulator

pytestmark = pytest.mark.integration

INVENTORY = """\
[inventory]
vm = "finance-app01"
alternate_vm = "web-frontend01"
template_vm = "rhel9-template"
partial_backup_vm = "finance-db01"
datastore = "nfs_ds01"
esx_host = "esx01.lab.local"
storage_system = "{storage_system}"
"""


def config_file(
    emulator: RecordingEmulator,
    folder: Path,
    storage_system: str,
    inventory: dict[str, str] | None = None,
) -> Path:
    """A config that points the harness at ``emulator`` as at a real appliance."""
    path = folder / "target.toml"
    names = INVENTORY.format(storage_system=storage_system)
    for key, value in (inventory or {}).items():
        names = "\n".join(
            f'{key} = "{value}"' if line.startswith(f"{key} = ") else line
            for line in names.splitlines()
        )
    path.write_text(
        f'target = "{emulator.base_url}"\n'
        f'vcenter = "{emulator.vcenter_url}"\n'
        f'username = "{emulator.config.username}"\n'
        "tls_verify = false\n"
        "allow_destructive = true\n"
        "job_timeout = 30\n" + names + "\n"
    )
    path.chmod(0o600)
    return path


def environment(
    emulator: RecordingEmulator,
    folder: Path,
    storage: str,
    inventory: dict[str, str] | None = None,
) -> dict[str, str]:
    return harness_cli.environment(
        folder / "reports",
        SCV_CONFIG=str(config_file(emulator, folder, storage, inventory)),
        SCV_PASSWORD=emulator.config.password,
    )


def _survivors(run_dir: Path) -> list[str]:
    """Processes whose command line names the run folder (the test processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(run_dir) in cmdline:
            found.append(cmdline)
    return found


def _settled(emulator: RecordingEmulator, wait: float = 1.0) -> dict[str, object]:
    time.sleep(wait)  # jobs end within the emulator's job duration, deletes within its delay
    return emulator.inventory()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("after", [30, 120, 200])
def test_an_interrupted_run_cleans_up_and_reports(signum: int, after: int, tmp_path: Path) -> None:
    with RecordingEmulator() as emulator:
        before = emulator.inventory()
        env = environment(emulator, tmp_path, "svm-interrupt01")
        finished = harness_cli.run(
            ["run", "--only", "scenarios"],
            env,
            interrupt=lambda: len(emulator.requests) >= after,
            signum=signum,
        )
        seen_at_signal = len(emulator.requests)
        after_run = _settled(emulator)
    assert seen_at_signal >= after
    assert finished.code == 3, finished.output
    summary = finished.summary
    name = signal.Signals(signum).name
    assert summary["interrupted"] is True and summary["interruption"] == name
    assert summary["status"] == "interrupted"
    assert summary["leftovers"] == []
    assert after_run == before
    run_dir = finished.run_dir
    assert f"Interrupted** ({name})" in (run_dir / "summary.md").read_text()
    assert "interrupted by" in (run_dir / "junit.xml").read_text()
    results = "".join(p.read_text() for p in (run_dir / "allure-results").glob("*-result.json"))
    assert "Run interrupted" in results
    assert f"interrupted ({name})" in finished.output
    assert _survivors(run_dir) == []


def test_a_second_interrupt_abandons_cleanup_and_the_report_lists_what_was_left(
    tmp_path: Path,
) -> None:
    # deletes take seconds: the second interrupt lands while the cleanup deletes the group,
    # and the policy the workflow created is never removed
    with RecordingEmulator(delete_delay=8.0) as emulator:
        before = emulator.inventory()
        env = environment(emulator, tmp_path, "svm-interrupt02")
        process = harness_cli.start(
            ["scenarios", "--only", "createResourceGroupWithNewPolicy"], env
        )
        while process.poll() is None and not any(
            m == "POST" and p.endswith("/4.1/resource-groups") for m, p in emulator.requests
        ):
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        # a signal right after the first is the same request (a wrapper passing it on):
        # the user asks again after the notice. The delete takes 8 s.
        time.sleep(SAME_REQUEST_SECONDS + 0.5)
        # the cleanup's first delete (the preflight's vCenter logout is a DELETE too)
        while process.poll() is None and not any(
            m == "DELETE" and "/4.1/" in p for m, p in emulator.requests
        ):
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=300)
        after_run = _settled(emulator, wait=9.0)
    finished = harness_cli.Finished(process.returncode, output, 0, tmp_path / "reports")
    summary = finished.summary
    assert finished.code == 3 and summary["interrupted"] is True
    left = [
        (path, item_id)
        for kind, path in (("resource groups", "resource-groups"), ("policies", "policies"))
        for item_id, _ in set(after_run[kind]) - set(before[kind])  # type: ignore[call-overload]
    ]
    listed = [item["request"] for item in summary["leftovers"]]
    # the cleanup was cut short: what it did not finish is listed (a call it abandoned may
    # still have been carried out by the appliance; the list says to check it by hand)
    assert listed, (
        "the second interrupt did not cut the cleanup short",
        emulator.requests[-8:],
        output[-2000:],
    )
    parameter = {"resource-groups": "groupId", "policies": "policyId"}
    for path, item_id in left:
        # named by its id (in the cleanup's values or a call), or as an unanswered create
        assert any(
            f"{parameter[path]}={item_id}" in request
            or f"/4.1/{path}/{item_id}" in request
            or request.endswith(f"/4.1/{path}: check by hand")
            for request in listed
        ), (left, listed)
    assert "Left behind on the appliance" in (finished.run_dir / "summary.md").read_text()
    assert "left behind:" in output


@pytest.mark.parametrize(
    ("signum", "ignored"),
    [(signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c-to-a-fleet-that-inherited-it-ignored", "sigterm"],
)
def test_a_stop_request_reaches_each_fleet_target_once(
    signum: int, ignored: bool, tmp_path: Path
) -> None:
    # a terminal signals its whole foreground group: the fleet, and each target's run were
    # they in it; a run that heard the signal twice would abandon its cleanup. A fleet
    # started as a script's background job inherits SIGINT ignored (`trap '' INT` here),
    # and a service manager stops it with SIGTERM: both are stop requests all the same
    with RecordingEmulator(delete_delay=3.0) as emulator:
        before = emulator.inventory()
        config_file(emulator, tmp_path, "svm-interrupt03")
        fleet = tmp_path / "fleet.toml"
        fleet.write_text(
            '[[target]]\nname = "lab"\nconfig = "target.toml"\npassword_env = "LAB_PASSWORD"\n'
        )
        env = harness_cli.environment(tmp_path / "reports", LAB_PASSWORD=emulator.config.password)
        command = ["run", "--fleet", str(fleet), "--only", "createResourceGroupWithNewPolicy"]
        fleet_command = [sys.executable, "-c", harness_cli.ENTRY, *command]
        if ignored:
            fleet_command = harness_cli.with_sigint_ignored(fleet_command)
        process = subprocess.Popen(
            fleet_command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a group of its own, as a terminal's foreground job
        )
        while process.poll() is None and not any(
            m == "POST" and p.endswith("/4.1/resource-groups") for m, p in emulator.requests
        ):
            time.sleep(0.02)
        os.killpg(process.pid, signum)
        output, _ = process.communicate(timeout=300)
        after_run = _settled(emulator, wait=4.0)
    assert process.returncode == 3, output
    assert "Ctrl-C again abandons the cleanups" in output
    (summary_file,) = (tmp_path / "reports").glob("*/lab/summary.json")
    summary = json.loads(summary_file.read_text())
    assert summary["interrupted"] is True and summary["interruption"] == "SIGINT"
    assert summary["leftovers"] == [], summary["leftovers"]
    assert after_run == before


@pytest.mark.parametrize("after", [40, 160])
def test_one_sigint_to_a_setsid_timeout_group_is_one_stop_request(
    after: int, tmp_path: Path
) -> None:
    # `setsid timeout 600 scv-conformance scenarios`: a SIGINT to the group reaches the
    # harness directly and twice more from GNU timeout (to its child, to its group); it is
    # one request, and the workflows clean up (it once abandoned every cleanup at once)
    timeout = shutil.which("timeout")
    if timeout is None:
        pytest.skip("GNU timeout is not installed")
    with RecordingEmulator() as emulator:
        before = emulator.inventory()
        env = environment(emulator, tmp_path, "svm-interrupt04")
        process = subprocess.Popen(
            [timeout, "600", sys.executable, "-c", harness_cli.ENTRY, "scenarios"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # setsid: timeout leads a session and group of its own
        )
        while process.poll() is None and len(emulator.requests) < after:
            time.sleep(0.02)
        seen_at_signal = len(emulator.requests)
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=300)
        after_run = _settled(emulator, wait=2.0)
    assert seen_at_signal >= after
    assert process.returncode == 3, output
    assert "abandoning the cleanup" not in output
    summary = harness_cli.Finished(3, output, 0, tmp_path / "reports").summary
    assert summary["interrupted"] is True and summary["interruption"] == "SIGINT"
    assert summary["leftovers"] == [], summary["leftovers"]
    assert after_run == before
