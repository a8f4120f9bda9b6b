"""Runs of the runner against stand-in suites (tests/runner/fakes) and the embedded emulator."""

from __future__ import annotations

import argparse
import io
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from conformance.core.settings import resolve
from conformance.run import spawn as pytest_run
from conformance.run.runner import RunPlan, execute
from conformance.run.spawn import Suite

FAKES = "tests/runner/fakes"
CI_VARIABLES = (
    "GITHUB_RUN_ID",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_WORKFLOW",
    "CI_JOB_URL",
    "CI_PIPELINE_ID",
    "CI_PROJECT_PATH",
    "CI_PROJECT_URL",
    "BUILD_URL",
    "BUILD_NUMBER",
    "JOB_NAME",
    "JENKINS_URL",
)


@dataclass
class Run:
    """A finished run: its exit code, folder, console output and summary."""

    code: int
    run_dir: Path
    output: str

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.run_dir / "summary.json").read_text())


def use_fakes(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make the fuzz and scenario suites the stand-ins over ``fakes/NAME.*.yaml``."""
    fuzz = f"{FAKES}/{name}.openapi.yaml"
    arazzo = f"{FAKES}/{name}.arazzo.yaml"
    suites = {
        "fuzz": Suite("fuzz", "tests.runner.fakes.fake_fuzz_plugin", (fuzz,)),
        "scenarios": Suite("scenarios", "tests.runner.fakes.fake_scenarios_plugin", (arazzo,)),
    }
    if not (pytest_run.ROOT / arazzo).exists():
        del suites["scenarios"]
    monkeypatch.setattr(pytest_run, "SUITES", suites)
    monkeypatch.setattr("conformance.run.runner.SUITES", suites)


def run_fakes(
    monkeypatch: pytest.MonkeyPatch,
    report_dir: Path,
    name: str,
    workers: int | None = None,
    max_failures: int | None = None,
    **settings: Any,
) -> Run:
    """Run the stand-in suites ``name`` against the embedded emulator."""
    use_fakes(monkeypatch, name)
    from conformance.run import runner

    resolved = resolve(argparse.Namespace(report_dir=str(report_dir), **settings), {})
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, force_terminal=False)
    plan = RunPlan(
        suites=tuple(runner.SUITES), profile="smoke", workers=workers, max_failures=max_failures
    )
    code = execute(resolved, plan, console=console)
    runs = sorted(p for p in report_dir.iterdir() if p.is_dir())
    return Run(code, runs[-1], buffer.getvalue())


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in [k for k in os.environ if k.startswith("SCV_")]:
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def fake_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Run]:
    def run(name: str, **kwargs: Any) -> Run:
        return run_fakes(monkeypatch, tmp_path / "reports", name, **kwargs)

    return run
