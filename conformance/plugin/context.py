"""The run context inside a pytest process, shared by the fuzzing and scenario plugins."""

from __future__ import annotations

import pytest

from conformance.core.context import RunContext, from_environment

_CONTEXT = pytest.StashKey[RunContext]()


def get_context(config: pytest.Config) -> RunContext:
    """The context of this pytest process, built from the environment on first use."""
    context = config.stash.get(_CONTEXT, None)
    if context is None:
        context = from_environment()
        config.stash[_CONTEXT] = context
        config.add_cleanup(context.close)
    return context
