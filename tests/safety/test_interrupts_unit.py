"""The interrupt counters of the test process and of the parent, without processes."""

from __future__ import annotations

import signal

import pytest

from conformance.core.interrupts import SAME_INTERRUPT_SECONDS, Interrupts
from conformance.run.signals import StopRequest

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
    interrupts = Interrupts(clock=iter([0.0, 5.0]).__next__)
    done = []
    with pytest.raises(KeyboardInterrupt, match="interrupted by signal"), interrupts.shielded():
        interrupts.handle(signal.SIGINT, None)
        interrupts.handle(signal.SIGINT, None)
        done.append("never")
    assert done == []


def test_the_same_interrupt_arriving_twice_is_one() -> None:
    # systemd's control-group kill: SIGTERM to this process and, through the parent, SIGINT
    interrupts = Interrupts(clock=iter([0.0, SAME_INTERRUPT_SECONDS / 2, 0.4, 9.0]).__next__)
    done = []
    with pytest.raises(KeyboardInterrupt, match="raised after it"), interrupts.shielded():
        interrupts.handle(signal.SIGTERM, None)
        interrupts.handle(signal.SIGINT, None)
        interrupts.handle(signal.SIGINT, None)
        done.append("cleanup finished")
    assert done == ["cleanup finished"] and interrupts.count == 1 and not interrupts.abandoned()
    with pytest.raises(KeyboardInterrupt):
        interrupts.handle(signal.SIGINT, None)  # later: the user asks again
    assert interrupts.abandoned()


def test_the_parent_counts_a_request_not_its_signals() -> None:
    # GNU timeout passes a group's SIGINT on to its child and to the group: three signals
    ticks = iter([0.0, 0.001, 0.002, 0.5, 4.0])
    stop = StopRequest(clock=ticks.__next__)
    for _ in range(4):
        stop.request("SIGINT")
    assert stop.count == 1 and stop.reason == "SIGINT"
    stop.request("SIGTERM")  # the user, after the notice
    assert stop.count == 2 and stop.reason == "SIGINT"
