"""pytest plugin of the test process: stopping cleanly.

SIGTERM becomes a KeyboardInterrupt, as SIGINT already is, so pytest ends the way it ends
on Ctrl-C: the running workflow cleans up (a second signal abandons that), JUnit and the
Allure results are written. When the target is gone (the breaker of
:mod:`conformance.core.bounds` tripped), the session stops after the current test instead
of failing every remaining one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Generator
from types import FrameType

import pytest

from conformance.core.bounds import BREAKER


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")


def pytest_configure(config: pytest.Config) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    yield
    if BREAKER.tripped:
        item.session.shouldstop = f"stopped talking to the target: {BREAKER.reason}"
