"""Per-pytest-process state of the fuzzing suite: profile, seed and the suite itself."""

from __future__ import annotations

import secrets

import pytest

from conformance.fuzz.profiles import DEFAULT_PROFILE, Profile, get_profile
from conformance.fuzz.suite import FuzzSuite
from conformance.plugin.context import get_context

SEED_LIMIT = 2**31
_SUITE = pytest.StashKey[FuzzSuite]()
_SEED = pytest.StashKey[int]()


def profile_of(config: pytest.Config) -> Profile:
    """The profile named by ``--scv-profile``, with ``--max-examples`` applied."""
    name = config.getoption("scv_profile", default=None) or DEFAULT_PROFILE
    return get_profile(name, get_context(config).settings.max_examples)


def seed_of(config: pytest.Config) -> int:
    """The run's seed: the configured one, else one picked now (and printed)."""
    if _SEED not in config.stash:
        configured = get_context(config).settings.seed
        config.stash[_SEED] = (
            configured if configured is not None else secrets.randbelow(SEED_LIMIT)
        )
    return config.stash[_SEED]


def existing_suite(config: pytest.Config) -> FuzzSuite | None:
    """The suite of this process if any item ran."""
    return config.stash.get(_SUITE, None)


def fuzz_suite(config: pytest.Config) -> FuzzSuite:
    """The suite of this process, created on first use."""
    suite = config.stash.get(_SUITE, None)
    if suite is None:
        suite = FuzzSuite(get_context(config), profile_of(config), seed_of(config))
        config.stash[_SUITE] = suite
        config.add_cleanup(suite.close)
    return suite
