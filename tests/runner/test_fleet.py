"""`run --fleet`: three appliances (one faulty) side by side; `report RUN...` merging runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.core.errors import UsageError
from conformance.emulator import DEFAULT_PASSWORD
from conformance.reporting.allure_cli import find_allure
from conformance.run.fleet import load_fleet
from tests.runner.emulators import emulator

pytestmark = pytest.mark.integration

FAULT = "missing-required-field"


def toml(values: dict[str, Any]) -> str:
    lines = []
    for key, value in values.items():
        text = str(value).lower() if isinstance(value, bool) else json.dumps(value)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def fleet_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path, str]]:
    """A fleet of three emulators, lab-b faulty, each configured another way."""
    base = tmp_path_factory.mktemp("fleet")
    with emulator() as lab_a, emulator("--fault", FAULT) as lab_b, emulator() as lab_c:
        (base / "lab-a.toml").write_text(toml(lab_a.settings()))
        inline_b = {k: v for k, v in lab_b.settings().items() if k != "password"}
        fleet = (
            "concurrency = 3\n\n"
            '[[target]]\nname = "lab-a"\nconfig = "lab-a.toml"\n\n'
            '[[target]]\nname = "lab-b"\npassword_env = "LAB_B_PASSWORD"\n'
            + toml(inline_b)
            + '\n[[target]]\nname = "lab-c"\n'
            + toml(lab_c.settings())
        )
        (base / "fleet.toml").write_text(fleet)
        reports = base / "reports"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "conformance.cli",
                "run",
                "--fleet",
                str(base / "fleet.toml"),
                "--fleet-concurrency",
                "2",
                "--profile",
                "smoke",
                "--only",
                "fuzz",
                "--seed",
                "3",
                "--report-dir",
                str(reports),
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
            env={
                **os.environ,
                "LAB_B_PASSWORD": lab_b.password,
                "SCV_TARGET": "http://127.0.0.1:9/api",  # per target: must not leak into runs
                "SCV_RESPONSE_TIME_BUDGET_MS": "5000",
            },
        )
    (folder,) = reports.iterdir()
    yield done.returncode, folder, done.stdout + done.stderr


def results_of(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in folder.glob("allure-results/*-result.json")]


def label(result: dict[str, Any], name: str) -> str | None:
    return next((x["value"] for x in result["labels"] if x["name"] == name), None)


def test_fleet_runs_every_target_and_exits_with_the_worst(
    fleet_run: tuple[int, Path, str],
) -> None:
    code, folder, output = fleet_run
    assert code == 1, output[-3000:]
    assert folder.name.endswith("-fleet")
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == [
        "allure-results",
        "lab-a",
        "lab-b",
        "lab-c",
    ], "one folder per target, no scratch folders left"
    document = json.loads((folder / "fleet-summary.json").read_text())
    rows = {row["name"]: row for row in document["runs"]}
    assert document["exitCode"] == 1
    assert {n: (r["status"], r["exitCode"]) for n, r in rows.items()} == {
        "lab-a": ("conformant", 0),
        "lab-b": ("failures", 1),
        "lab-c": ("conformant", 0),
    }
    assert len({row["target"] for row in rows.values()}) == 3
    assert all(row["seed"] == 3 and row["profile"] == "smoke" for row in rows.values())
    for name in rows:
        summary = json.loads((folder / name / "summary.json").read_text())
        assert summary["suites"] == ["fuzz"]
        assert (folder / name / "console.log").stat().st_size > 0
    failed = json.loads((folder / "lab-b" / "summary.json").read_text())["failures"]
    assert {(f["operationId"], f["check"]) for f in failed} == {
        ("getPolicies", "response_schema_conformance")
    }
    table = (folder / "fleet-summary.md").read_text()
    assert "| lab-b |" in table and "failures" in table and "Exit code 1" in table


def test_combined_allure_results_are_grouped_by_target(fleet_run: tuple[int, Path, str]) -> None:
    _, folder, _ = fleet_run
    combined = results_of(folder)
    per_target = {name: results_of(folder / name) for name in ("lab-a", "lab-b", "lab-c")}
    assert len(combined) == sum(len(r) for r in per_target.values())
    assert Counter(label(r, "parentSuite") for r in combined) == {
        name: len(results) for name, results in per_target.items()
    }
    assert len({r["historyId"] for r in combined}) == len(combined), "no target hides another"
    failed = [r for r in combined if r["status"] == "failed"]
    assert failed and {label(r, "parentSuite") for r in failed} == {"lab-b"}
    environment = (folder / "allure-results" / "environment.properties").read_text()
    assert "lab-a.Appliance.version=" in environment and "lab-c.Seed=3" in environment


def test_no_password_in_any_fleet_file(fleet_run: tuple[int, Path, str]) -> None:
    _, folder, output = fleet_run
    assert DEFAULT_PASSWORD not in output
    for path in folder.rglob("*"):
        if path.is_file():
            assert DEFAULT_PASSWORD.encode() not in path.read_bytes(), path


def test_report_merges_run_folders_like_a_ci_matrix(
    fleet_run: tuple[int, Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert find_allure(), "the Allure 3 CLI is missing: run npm ci in the repository"
    _, folder, _ = fleet_run
    # what a final CI job downloads: each job's run folder under its artifact's name
    runs = []
    for name in ("lab-a", "lab-b"):
        stamp = tmp_path / "artifacts" / name / "20261127T030000Z"
        stamp.parent.mkdir(parents=True)
        os.symlink(folder / name, stamp)
        runs.append(str(stamp))
    out = tmp_path / "merged"
    code = main(["report", "--out", str(out), *runs, f"third={folder / 'lab-c'}"])
    assert code == 0, capsys.readouterr()
    assert (out / "allure-report" / "index.html").stat().st_size > 0
    document = json.loads((out / "fleet-summary.json").read_text())
    assert [row["name"] for row in document["runs"]] == ["lab-a", "lab-b", "third"]
    assert document["exitCode"] == 1
    assert {label(r, "parentSuite") for r in results_of(out)} == {"lab-a", "lab-b", "third"}


def test_report_refuses_two_runs_of_the_same_name(
    fleet_run: tuple[int, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, folder, _ = fleet_run
    run = str(folder / "lab-a")
    assert main(["report", run, run]) == 2
    assert "NAME=PATH" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "no [[target]]"),
        ('[[target]]\nname = "a b"\n', "not a usable name"),
        ('[[target]]\nname = "a"\n[[target]]\nname = "a"\n', "two targets are named 'a'"),
        ('[[target]]\nname = "a"\ncolour = "red"\n', "unknown setting 'colour'"),
        ('[[target]]\nname = "a"\nconfig = "none.toml"\n', "no config file"),
        ('[[target]]\nname = "a"\nconfig = "f.toml"\ntarget = "https://x"\n', "not both"),
        ('concurrency = 0\n[[target]]\nname = "a"\n', "concurrency"),
        ("[[target]\n", "not valid TOML"),
    ],
)
def test_bad_fleet_files_are_usage_errors(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "f.toml").write_text("")
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(content)
    with pytest.raises(UsageError, match=re.escape(message)) as error:
        load_fleet(fleet)
    assert error.value.exit_code == 2


def test_per_target_flags_are_refused_with_a_fleet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = tmp_path / "fleet.toml"
    fleet.write_text('[[target]]\nname = "a"\n')
    reports = tmp_path / "reports"
    assert (
        main(["run", "--fleet", str(fleet), "--target", "https://x", "--report-dir", str(reports)])
        == 2
    )
    assert "--target is per target" in capsys.readouterr().err
    assert main(["run", "--fleet", str(tmp_path / "none.toml")]) == 2
    assert not reports.exists()


def test_missing_password_variable_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    fleet = tmp_path / "fleet.toml"
    fleet.write_text('[[target]]\nname = "a"\npassword_env = "NOT_SET_ANYWHERE"\n')
    assert main(["run", "--fleet", str(fleet), "--report-dir", str(tmp_path / "r")]) == 2
    assert "$NOT_SET_ANYWHERE is not set" in capsys.readouterr().err
