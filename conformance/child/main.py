"""The one pytest plugin of the child process: ``pytest -p conformance.child.main``.

It reads the run manifest the parent wrote, sets the process's pace (``--rate-limit``) and
``--max-failures``, and registers the rest: progress events for the parent, the selection
(``--only``, the filters), the scheduling of workflows, the Allure labels, stopping cleanly
on SIGTERM and when the target is gone, and the plugins of the suites the manifest names
(``conformance.fuzz.plugin``, ``conformance.scenarios.plugin``).

Once pytest has ended and written everything, the process exits with pytest's exit code
without the interpreter's own teardown: freeing what Hypothesis and schemathesis built up
takes 0.5 to 1.5 s, during which the parent (and the appliance's clean-up) would wait.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Generator
from types import ModuleType

import pytest

from conformance.child import labels, progress, recording, safety, scheduling, selection
from conformance.child.context import get_manifest
from conformance.core.errors import HarnessError
from conformance.http import process

#: The harness's own plugins, by the name they are registered under.
HARNESS_PLUGINS: dict[str, ModuleType] = {
    "scv-progress": progress,
    "scv-scheduling": scheduling,
    "scv-labels": labels,
    "scv-selection": selection,
    "scv-recording": recording,
    "scv-safety": safety,
}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    try:
        manifest = get_manifest(config)
    except HarnessError as exc:
        raise pytest.UsageError(str(exc)) from None
    suites = manifest.plugins
    process.PACER.configure(manifest.requests_per_second)
    if manifest.max_failures:
        config.option.maxfail = manifest.max_failures
    for name, module in HARNESS_PLUGINS.items():
        _register(config, module, name)
    for name in suites:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise pytest.UsageError(f"run manifest: no suite plugin {name}: {exc}") from None
        _register(config, module, name)


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, object, object]:
    status = yield
    if not hasattr(config, "workerinput"):  # an xdist worker's end is execnet's business
        # the last exit handler registered is the first to run: after pytest's own
        # cleanup and the joining of every non-daemon thread, before the teardown
        atexit.register(exit_now, int(status))  # type: ignore[call-overload]
    return status


def exit_now(status: int) -> None:
    """End the process with ``status``, its logs and standard streams flushed."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def _register(config: pytest.Config, module: ModuleType, name: str) -> None:
    manager = config.pluginmanager
    if not manager.is_registered(module) and manager.get_plugin(name) is None:
        manager.register(module, name)
