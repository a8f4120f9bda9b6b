"""The unit layer opens no socket and starts no process (tests/conftest.py holds it)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit


def test_a_unit_test_cannot_open_a_socket() -> None:
    with socket.socket() as sock, pytest.raises(RuntimeError, match="may not open a socket"):
        sock.connect(("127.0.0.1", 9))


def test_a_unit_test_cannot_start_a_process() -> None:
    with pytest.raises(RuntimeError, match="may not start a process"):
        subprocess.run([sys.executable, "-c", "pass"], check=False)
