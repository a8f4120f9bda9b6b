"""The one pytest plugin of the child process: ``pytest -p conformance.child.main``.

It reads the run manifest the parent wrote, sets the process's pace (``--rate-limit``) and
``--max-failures``, and registers the rest: progress events for the parent, the selection
(``--only``, the filters), the scheduling of workflows, the Allure labels, stopping cleanly
on SIGTERM and when the target is gone, and the plugins of the suites the manifest names
(``conformance.fuzz.plugin``, ``conformance.scenarios.plugin``).
"""

from __future__ import annotations

import importlib
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


def _register(config: pytest.Config, module: ModuleType, name: str) -> None:
    manager = config.pluginmanager
    if not manager.is_registered(module) and manager.get_plugin(name) is None:
        manager.register(module, name)
