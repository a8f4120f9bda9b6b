"""An emulated SCV appliance: the contract's operations over a seeded, stateful inventory."""

from conformance.emulator.app import create_app
from conformance.emulator.clock import Clock, ManualClock
from conformance.emulator.config import DEFAULT_PASSWORD, DEFAULT_USERNAME, EmulatorConfig
from conformance.emulator.faults import FAULTS, Fault
from conformance.emulator.server import EmbeddedEmulator

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "FAULTS",
    "Clock",
    "EmbeddedEmulator",
    "EmulatorConfig",
    "Fault",
    "ManualClock",
    "create_app",
]
