"""The contract and the scenarios are found in a checkout and in a wheel's installed copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core import paths


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


def test_the_wheel_configuration_ships_specs_and_scenarios() -> None:
    pyproject = (paths.CHECKOUT / "pyproject.toml").read_text()
    assert '"share/scv-conformance/specs" = ["specs/*.yaml"' in pyproject
    assert '"share/scv-conformance/scenarios" = ["scenarios/*.yaml"' in pyproject
