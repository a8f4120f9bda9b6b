"""The child loads one plugin; it registers the harness's glue and the manifest's suites."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core.manifest import Manifest, child_variables, manifest_path
from conformance.run.spawn import PLUGIN, ROOT, SUITES, pytest_arguments
from tests.runner.conftest import FAKES

pytestmark = pytest.mark.unit


class Collected:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.plugins: set[str] = set()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.ids = [item.nodeid for item in session.items]
        self.plugins = {name for name, _ in session.config.pluginmanager.list_name_plugin()}


def manifest(tmp_path: Path, plugins: tuple[str, ...]) -> Manifest:
    return Manifest(
        target="http://127.0.0.1:9/api",
        vcenter=None,
        username="admin",
        tls_verify=False,
        release="6.2",
        reported_version="6.2",
        embedded=True,
        allow_destructive=False,
        seed=1,
        profile="smoke",
        max_examples=None,
        job_timeout=1.0,
        response_time_budget_ms=1000,
        run_dir=tmp_path,
        allure_dir=tmp_path / "allure-results",
        junit_path=tmp_path / "junit.xml",
        plugins=plugins,
    )


def test_the_command_line_names_one_plugin(tmp_path: Path) -> None:
    args = pytest_arguments(list(SUITES.values()), manifest(tmp_path, ()), workers=2)
    loaded = [args[i + 1] for i, arg in enumerate(args) if arg == "-p"]
    assert [name for name in loaded if not name.startswith("no:")] == [PLUGIN]


def test_only_the_suites_the_manifest_names_are_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = manifest(tmp_path, ("tests.runner.fakes.fake_scenarios_plugin",)).write(
        manifest_path(tmp_path)
    )
    for name, value in child_variables(path, "pw").items():
        monkeypatch.setenv(name, value)
    collected = Collected()
    code = pytest.main(
        [
            "-p",
            PLUGIN,
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(ROOT),
            "--collect-only",
            "-q",
            str(ROOT / FAKES),
        ],
        plugins=[collected],
    )
    assert code == 0
    assert collected.ids and all(".arazzo.yaml::" in nodeid for nodeid in collected.ids)
    assert {"scv-progress", "scv-scheduling", "scv-labels"} <= collected.plugins
    assert "tests.runner.fakes.fake_scenarios_plugin" in collected.plugins


def test_without_a_manifest_the_child_stops_with_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SCV_CONFORMANCE_MANIFEST", raising=False)
    code = pytest.main(["-p", PLUGIN, "-p", "no:cacheprovider", "--collect-only", "-q"])
    assert code == pytest.ExitCode.USAGE_ERROR
    assert "SCV_CONFORMANCE_MANIFEST is not set" in capsys.readouterr().err
