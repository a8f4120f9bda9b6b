"""Fixtures of the fuzzing-suite tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.emulator import EmbeddedEmulator, EmulatorConfig


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmbeddedEmulator]:
    """A conformant emulator over plain HTTP on loopback."""
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False)) as emu:
        yield emu
