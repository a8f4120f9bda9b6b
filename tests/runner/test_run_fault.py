"""`scv-conformance run --fault NAME`: the embedded emulator plays the fault and the run
fails on it, in one command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main

pytestmark = pytest.mark.integration


def test_a_fault_of_the_embedded_emulator_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")  # the target line on one line, whatever the terminal
    argv = ["run", "--only", "fuzz", "--include-operation-id", "getPolicies", "-n", "1"]
    code = main([*argv, "--seed", "1", "--fault", "missing-required-field"])
    output = capsys.readouterr()
    assert code == 1, output.out + output.err
    assert "(embedded emulator, playing fault missing-required-field) · " in output.err
    (run_dir,) = (tmp_path / "reports").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    checks = summary["operations"]["getPolicies"]["checks"]
    assert checks["response_schema_conformance"] == "failed"
    assert "--fault missing-required-field" in summary["replay"]
    # the same run without the fault conforms
    assert main([*argv, "--seed", "1"]) == 0
