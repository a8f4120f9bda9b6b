"""pytest plugin: ``pytest -p conformance.fuzz.plugin specs/scv.openapi.yaml``.

Collects the contract into one item per (operation, check) plus the stateful walk, and
fuzzes the run context's target with schemathesis.
"""

from __future__ import annotations

import argparse
import os
import secrets
from pathlib import Path

import pytest

from conformance.core.contract import SPEC_PATH
from conformance.core.settings import ENVIRONMENT, resolve
from conformance.fuzz import skips, stats
from conformance.fuzz.items import ContractFile
from conformance.fuzz.profiles import DEFAULT_PROFILE, PROFILES
from conformance.fuzz.state import SEED_LIMIT, existing_suite
from conformance.plugin.context import get_context

_COLLECTED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("scv-fuzz", "SCV fuzzing suite")
    group.addoption(
        "--scv-profile",
        dest="scv_profile",
        choices=tuple(PROFILES),
        default=DEFAULT_PROFILE,
        help="smoke: a quick check; full: the nightly depth (default: full)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "xdist_group(name): run these items in one worker")
    if hasattr(config, "workerinput"):
        return  # the controller already settled the seed
    if resolve(argparse.Namespace()).seed is None:
        seed = secrets.randbelow(SEED_LIMIT)
        os.environ[ENVIRONMENT["seed"]] = str(seed)  # workers inherit it
        print(f"fuzzing seed {seed} (replay with --seed {seed} or SCV_SEED={seed})")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.resolve() != SPEC_PATH.resolve():
        return None
    parent.config.stash[_COLLECTED] = True
    return ContractFile.from_parent(parent, path=file_path)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if not config.stash.get(_COLLECTED, False):
        return
    context = get_context(config)
    entries = skips.left_out(context)
    directory = _results_parent(config)
    if directory is not None:
        skips.write(directory, context, entries)
        suite = existing_suite(config)
        if suite is not None:
            stats.write(directory, suite)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if not config.stash.get(_COLLECTED, False):
        return
    entries = skips.left_out(get_context(config))
    if entries:
        terminalreporter.section("fuzzing: operations left out")
        for entry in entries:
            terminalreporter.write_line(f"{entry.operationId}: {entry.reason}")


def _results_parent(config: pytest.Config) -> Path | None:
    """The folder that holds the Allure results (the run folder), if any."""
    allure_dir = getattr(config.option, "allure_report_dir", None)
    return Path(allure_dir).absolute().parent if allure_dir else None
