"""The embedded emulator's server log goes to the run folder, never to the console."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from conformance.emulator import EmbeddedEmulator, EmulatorConfig
from conformance.run.emulator_log import emulator_log

pytestmark = pytest.mark.integration

INVALID = "Invalid HTTP request received"


def _send_garbage(emulator: EmbeddedEmulator) -> None:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as conn:
        conn.sendall(b"\x00\x01 not http at all\r\n\r\n")
        conn.settimeout(5)
        try:
            while conn.recv(1024):
                pass
        except OSError:
            pass


@pytest.mark.parametrize("started_inside", [False, True], ids=["before", "inside"])
def test_server_warnings_go_to_the_log_file(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], started_inside: bool
) -> None:
    """Whether the emulator starts before the run's log (the first) or inside it (the
    second emulator of a run whose suites run apart), its warnings land in the file."""
    log = tmp_path / "emulator.log"
    config = EmulatorConfig(host="127.0.0.1", port=0, tls=False)
    emulator = None if started_inside else EmbeddedEmulator(config).start()
    try:
        with emulator_log(log):
            if emulator is None:
                emulator = EmbeddedEmulator(config).start()
            _send_garbage(emulator)
            emulator.stop()
    finally:
        if emulator is not None:
            emulator.stop()
    captured = capfd.readouterr()
    assert INVALID not in captured.err + captured.out
    assert INVALID in log.read_text(encoding="utf-8")
