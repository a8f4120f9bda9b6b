"""pytest plugin of the test process: stopping cleanly.

SIGINT and SIGTERM both become a KeyboardInterrupt (through
:data:`~conformance.core.interrupts.INTERRUPTS`, which holds the first one back while a
workflow cleans up), so pytest ends the way it ends on Ctrl-C: the running workflow cleans
up (a second signal abandons that), JUnit and the Allure results are written. When the
target is gone (the breaker of
:mod:`conformance.http.bounds` tripped), the session stops after the current test instead
of failing every remaining one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Generator

import pytest

from conformance.core.interrupts import INTERRUPTS
from conformance.http import process


def pytest_configure(config: pytest.Config) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, INTERRUPTS.handle)
        signal.signal(signal.SIGTERM, INTERRUPTS.handle)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    yield
    if process.BREAKER.tripped:
        item.session.shouldstop = f"stopped talking to the target: {process.BREAKER.reason}"
