"""Emulators started as separate processes, as stand-ins for real appliances."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from conformance.emulator import DEFAULT_PASSWORD, DEFAULT_USERNAME

_BASE = re.compile(r" at (https?://127\.0\.0\.1:\d+/api)")
_VCENTER = re.compile(r"vCenter:\s+(\S+)")
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Appliance:
    """A running emulator: where it answers and how to log in."""

    base_url: str
    vcenter_url: str
    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD

    def settings(self) -> dict[str, object]:
        """Its settings as a configuration file or a fleet target holds them."""
        return {
            "target": self.base_url,
            "vcenter": self.vcenter_url,
            "username": self.username,
            "password": self.password,
            "tls_verify": False,
        }


@contextmanager
def emulator(*options: str, tls: bool = False) -> Iterator[Appliance]:
    """`scv-conformance emulate [--no-tls] --port 0 OPTIONS`, until the block ends."""
    plain = [] if tls else ["--no-tls"]
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.cli", "emulate", *plain, "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        base = vcenter = None
        for line in process.stdout:
            base = base or (m.group(1) if (m := _BASE.search(line)) else None)
            vcenter = vcenter or (m.group(1) if (m := _VCENTER.search(line)) else None)
            if base and vcenter:
                break
        assert base and vcenter, f"the emulator did not start (exit {process.poll()})"
        # keep reading, so that a full pipe never blocks the emulator
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield Appliance(base, vcenter)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
