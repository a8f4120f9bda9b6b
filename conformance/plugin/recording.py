"""A pytest plugin that keeps the exchange log of this process in the run folder.

Each process (the only one, or every xdist worker) appends to
``RUN_DIR/exchanges/<worker>-<pid>.jsonl``, the run folder being the manifest's.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.core import recording
from conformance.core.contract import load_contract
from conformance.core.matching import OperationMatcher
from conformance.plugin.context import get_manifest

_LOG = pytest.StashKey[recording.ExchangeLog]()


def pytest_configure(config: pytest.Config) -> None:
    manifest = get_manifest(config)
    run_dir = manifest.run_dir
    name = recording.log_name(os.environ.get("PYTEST_XDIST_WORKER"))
    log = recording.ExchangeLog(
        run_dir / recording.EXCHANGES_DIR / name,
        OperationMatcher(load_contract(overlays=tuple(Path(p) for p in manifest.overlays))),
    )
    recording.install(log)
    config.stash[_LOG] = log


def pytest_unconfigure(config: pytest.Config) -> None:
    log = config.stash.get(_LOG, None)
    if log is not None:
        recording.uninstall(log)
        del config.stash[_LOG]
