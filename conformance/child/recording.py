"""A pytest plugin that records, in every pytest process (the only one, or every xdist
worker), what was sent to the target: the exchange log and the coverage per operation.

Each process appends its exchanges to ``RUN_DIR/exchanges/<worker>-<pid>.jsonl`` and writes
what it sent per operation into the run's ``.run/`` folder at the end, the run folder being
the manifest's.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.child.context import get_context, get_manifest
from conformance.contract.matching import OperationMatcher
from conformance.contract.spec import load_contract
from conformance.core import coverage
from conformance.core.manifest import MANIFEST_DIR
from conformance.http import recording

_LOG = pytest.StashKey[recording.ExchangeLog]()


def pytest_configure(config: pytest.Config) -> None:
    coverage.start(get_context(config).contract)
    manifest = get_manifest(config)
    run_dir = manifest.run_dir
    name = recording.log_name(os.environ.get("PYTEST_XDIST_WORKER"))
    log = recording.ExchangeLog(
        run_dir / recording.EXCHANGES_DIR / name,
        OperationMatcher(load_contract(overlays=tuple(Path(p) for p in manifest.overlays))),
    )
    recording.install(log)
    config.stash[_LOG] = log


def pytest_sessionfinish(session: pytest.Session) -> None:
    coverage.write(get_manifest(session.config).run_dir / MANIFEST_DIR)


def pytest_unconfigure(config: pytest.Config) -> None:
    log = config.stash.get(_LOG, None)
    if log is not None:
        recording.uninstall(log)
        del config.stash[_LOG]
