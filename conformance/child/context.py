"""The run inside a pytest process: the manifest the parent wrote and the context it makes."""

from __future__ import annotations

import pytest

from conformance.core import manifest as run_manifest
from conformance.core.context import RunContext, from_manifest
from conformance.core.manifest import Manifest

_MANIFEST = pytest.StashKey[tuple[Manifest, str]]()
_CONTEXT = pytest.StashKey[RunContext]()


def get_manifest(config: pytest.Config) -> Manifest:
    """The run manifest of this process, read on first use from the file the parent named."""
    return _read(config)[0]


def get_context(config: pytest.Config) -> RunContext:
    """The context of this pytest process, built from the manifest on first use."""
    context = config.stash.get(_CONTEXT, None)
    if context is None:
        manifest, password = _read(config)
        context = from_manifest(manifest, password)
        config.stash[_CONTEXT] = context
        config.add_cleanup(context.close)
    return context


def _read(config: pytest.Config) -> tuple[Manifest, str]:
    read = config.stash.get(_MANIFEST, None)
    if read is None:
        read = run_manifest.from_environment()
        config.stash[_MANIFEST] = read
    return read
