"""A pytest plugin that records, in every pytest process (xdist workers too), what was sent
to the target per operation, and writes it into the run's ``.run/`` folder at the end."""

from __future__ import annotations

import pytest

from conformance.core import coverage
from conformance.core.manifest import MANIFEST_DIR
from conformance.plugin.context import get_context, get_manifest


def pytest_configure(config: pytest.Config) -> None:
    context = get_context(config)
    coverage.start(context.contract)


def pytest_sessionfinish(session: pytest.Session) -> None:
    coverage.write(get_manifest(session.config).run_dir / MANIFEST_DIR)
