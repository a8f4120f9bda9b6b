"""How the fleet passes stop requests on: each once, and a kill after the second."""

from __future__ import annotations

import io
import signal
from pathlib import Path

import pytest
from rich.console import Console

from conformance.run import fleet

pytestmark = pytest.mark.unit


class FakeProcess:
    """A running target's process: the signals it got, and whether it was killed."""

    def __init__(self) -> None:
        self.signals: list[int] = []
        self.killed = False

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)

    def kill(self) -> None:
        self.killed = True


def test_each_request_is_passed_on_once_and_a_target_is_killed_after_the_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]
    monkeypatch.setattr(fleet.time, "monotonic", lambda: now[0])
    console = io.StringIO()
    runner = fleet._FleetRunner(tmp_path, [], Console(file=console, width=200))
    target = FakeProcess()
    runner._running.add(target)  # type: ignore[arg-type]

    runner.follow(0)
    assert target.signals == [] and "stopping" not in console.getvalue()
    runner.follow(1)
    runner.follow(1)  # the same request, seen again on the next poll
    assert target.signals == [signal.SIGINT]
    assert "Ctrl-C again abandons the cleanups" in console.getvalue()
    now[0] += 500  # the first request never kills: each target has its own --cleanup-grace
    runner.follow(1)
    assert not target.killed

    runner.follow(2)
    assert target.signals == [signal.SIGINT, signal.SIGINT]
    assert "abandoning the cleanups" in console.getvalue()
    now[0] += fleet.ABANDON_SECONDS - 1
    runner.follow(2)
    assert not target.killed
    now[0] += 1
    runner.follow(2)
    assert target.killed
