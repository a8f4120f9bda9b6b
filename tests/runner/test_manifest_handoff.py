"""The parent settles the run once and hands it to the child in the run manifest."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.runner.conftest import Run

pytestmark = pytest.mark.integration


def test_the_seed_is_picked_once_and_the_child_runs_with_the_manifests(
    fake_run: Callable[..., Run],
) -> None:
    run = fake_run("clean")
    assert run.code == 0
    # against the embedded emulator each suite runs in a child (and emulator) of its own
    paths = sorted((run.run_dir / ".run").glob("manifest-*.json"))
    manifests = {p.stem: json.loads(p.read_text()) for p in paths}
    assert set(manifests) == {"manifest-fuzz", "manifest-scenarios"}
    assert {m["seed"] for m in manifests.values()} == {run.summary["seed"]}
    assert f"seed {run.summary['seed']}" in run.output
    fuzz, scenarios = manifests["manifest-fuzz"], manifests["manifest-scenarios"]
    assert fuzz["suites"] == ["fuzz"] and scenarios["suites"] == ["scenarios"]
    assert fuzz["target"] != scenarios["target"] and fuzz["embedded"] is True
    for manifest in manifests.values():
        for name in ("run_dir", "allure_dir", "junit_path"):
            assert Path(manifest[name]).is_absolute()
        assert "scv-emulator" not in json.dumps(manifest)
