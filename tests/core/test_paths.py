"""The contract and the scenarios are found in a checkout and in a wheel's installed copies."""

from __future__ import annotations

import fnmatch
import sys
import tomllib
from pathlib import Path

import pytest

from conformance.core import paths

pytestmark = pytest.mark.unit


def test_a_checkout_reads_its_own_specs_and_scenarios() -> None:
    assert paths.PROJECT_ROOT == paths.CHECKOUT
    assert paths.CONTRACT_PATH.is_file()
    assert sorted(paths.SCENARIOS_DIR.glob("*.arazzo.yaml"))


def test_without_a_checkout_the_installed_copies_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = tmp_path / "share" / "scv-conformance"
    (installed / "specs").mkdir(parents=True)
    (installed / "specs" / paths.CONTRACT_NAME).write_text("openapi: 3.1.0\n")
    monkeypatch.setattr(paths, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setattr(paths, "INSTALLED", installed)
    assert paths._project_root() == installed


def test_the_wheel_installs_every_file_the_harness_reads_where_it_looks() -> None:
    """Each file of specs/ and scenarios/ a run reads matches a data-files glob whose
    destination, under the prefix, is the folder :data:`paths.INSTALLED` names."""
    config = tomllib.loads((paths.CHECKOUT / "pyproject.toml").read_text())
    data_files = config["tool"]["setuptools"]["data-files"]
    installed = paths.INSTALLED.relative_to(sys.prefix).as_posix()
    read = [paths.CHECKOUT / "specs" / paths.CONTRACT_NAME]
    read += sorted((paths.CHECKOUT / "scenarios").glob("*.arazzo.yaml"))
    for path in read:
        relative = path.relative_to(paths.CHECKOUT)
        (destination,) = [
            dest
            for dest, globs in data_files.items()
            if any(fnmatch.fnmatch(relative.as_posix(), g) for g in globs)
        ]
        assert destination == f"{installed}/{relative.parent.as_posix()}", relative
