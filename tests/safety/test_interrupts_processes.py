"""The parent's stop requests against real child processes: the deadline, the grace, the kill."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from conformance.run.signals import MAX_TIME, StopRequest, Supervisor

pytestmark = pytest.mark.integration


def _sleeper(seconds: float, ignore_sigint: bool = False) -> subprocess.Popen[bytes]:
    # SIGINT set either way: a test run started as a background job passes SIGINT on
    # ignored, and a sleeper meant to die of it would then sleep its time out
    disposition = "SIG_IGN" if ignore_sigint else "SIG_DFL"
    code = f"import signal, time\nsignal.signal(signal.SIGINT, signal.{disposition})\n"
    code += f"print('ready', flush=True)\ntime.sleep({seconds})\n"
    child = subprocess.Popen(
        [sys.executable, "-c", code], start_new_session=True, stdout=subprocess.PIPE
    )
    assert child.stdout is not None and child.stdout.readline() == b"ready\n"
    return child


def test_the_deadline_passes_an_interrupt_on() -> None:
    stop = StopRequest()
    child = _sleeper(30)
    clock = iter([0.0, 5.0, 11.0, *[11.0] * 1000]).__next__
    codes = Supervisor([child], stop, grace=5.0, deadline=10.0, clock=clock).wait()
    assert stop.reason == MAX_TIME
    assert codes == [-signal.SIGINT]


def test_a_child_that_ignores_the_interrupt_is_killed_after_the_grace() -> None:
    stop = StopRequest()
    stop.request("SIGTERM")
    child = _sleeper(30, ignore_sigint=True)
    ticks = iter(float(t) for t in range(10_000)).__next__
    supervisor = Supervisor([child], stop, grace=3.0, clock=ticks)
    codes = supervisor.wait()
    assert supervisor.killed and codes == [-signal.SIGKILL]


def test_the_user_is_told_what_each_stop_request_does() -> None:
    stop = StopRequest(clock=iter([0.0, 5.0]).__next__)
    stop.request("SIGINT")
    stop.request("SIGINT")
    notices: list[str] = []
    child = _sleeper(30, ignore_sigint=True)
    ticks = iter(float(t) for t in range(10_000)).__next__
    Supervisor([child], stop, grace=300.0, clock=ticks, on_stop=notices.append).wait()
    first, second = notices
    assert first.startswith("stopping (SIGINT): ") and "at most 300 s" in first
    assert "Ctrl-C again abandons the cleanup" in first
    assert second.startswith("abandoning the cleanup: ")
