"""The test process's interrupt counter, without processes."""

from __future__ import annotations

import signal

import pytest

from conformance.core.interrupts import Interrupts

pytestmark = pytest.mark.unit


def test_outside_a_cleanup_an_interrupt_raises_at_once() -> None:
    interrupts = Interrupts()
    with pytest.raises(KeyboardInterrupt):
        interrupts.handle(signal.SIGINT, None)


def test_a_first_interrupt_waits_for_the_cleanup_to_end() -> None:
    interrupts = Interrupts()
    done = []
    with pytest.raises(KeyboardInterrupt, match="raised after it"), interrupts.shielded():
        interrupts.handle(signal.SIGTERM, None)
        done.append("cleanup finished")
    assert done == ["cleanup finished"]


def test_a_second_interrupt_abandons_the_cleanup() -> None:
    interrupts = Interrupts()
    done = []
    with pytest.raises(KeyboardInterrupt, match="interrupted by signal"), interrupts.shielded():
        interrupts.handle(signal.SIGINT, None)
        interrupts.handle(signal.SIGINT, None)
        done.append("never")
    assert done == []
