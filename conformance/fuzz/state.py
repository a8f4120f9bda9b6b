"""Per-pytest-process state of the fuzzing suite: its profile and the suite itself."""

from __future__ import annotations

import os

import pytest

from conformance.child.context import get_context, get_manifest
from conformance.custody.ledger import LEDGER_NAME, Ledger
from conformance.fuzz.profiles import Profile, get_profile
from conformance.fuzz.suite import FuzzSuite

_SUITE = pytest.StashKey[FuzzSuite]()
_PLANNED = pytest.StashKey[list[str]]()
_WALKS = pytest.StashKey[bool]()


def profile_of(config: pytest.Config) -> Profile:
    """The run's profile, with ``--max-examples`` and ``--phases`` applied."""
    manifest = get_manifest(config)
    return get_profile(manifest.profile, manifest.max_examples, manifest.selection.phases)


def existing_suite(config: pytest.Config) -> FuzzSuite | None:
    """The suite of this process if any item ran."""
    return config.stash.get(_SUITE, None)


def plan(config: pytest.Config, operation_ids: list[str], stateful: bool = False) -> None:
    """The operations this process will fuzz, in the order its items ask for them, and
    whether it walks the links too."""
    config.stash[_PLANNED] = operation_ids
    config.stash[_WALKS] = stateful


def fuzz_suite(config: pytest.Config) -> FuzzSuite:
    """The suite of this process, created on first use, its planned runs started ahead
    ``--concurrency`` at once (under pytest-xdist the workers are the concurrency: a worker
    does not know which operations it will be given)."""
    suite = config.stash.get(_SUITE, None)
    if suite is None:
        manifest = get_manifest(config)
        suite = FuzzSuite(
            get_context(config),
            profile_of(config),
            manifest.seed,
            manifest.selection,
            ledger=Ledger(manifest.run_dir / LEDGER_NAME),
        )
        config.stash[_SUITE] = suite
        config.add_cleanup(suite.close)
        if "PYTEST_XDIST_WORKER" not in os.environ:
            planned: list[str] = config.stash.get(_PLANNED, [])
            walks = config.stash.get(_WALKS, False)
            suite.start_ahead(planned, manifest.concurrency, stateful=walks)
    return suite
