"""Exit codes 0, 1, 2 and 3, and what a run leaves behind in each case."""

from __future__ import annotations

import json
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.cli import main
from tests.runner.conftest import Run

pytestmark = pytest.mark.integration

PASSWORD = "pw-Very-Secret-42"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_conformant_run_exits_0(fake_run: Callable[..., Run]) -> None:
    run = fake_run("clean")
    assert run.code == 0
    assert run.summary["status"] == "conformant"
    assert run.summary["totals"] == {
        "passed": 4,
        "failed": 0,
        "errors": 0,
        "skipped": 0,
        "total": 4,
    }


def test_conformance_failures_exit_1(fake_run: Callable[..., Run]) -> None:
    run = fake_run("failing", seed=1234)
    assert run.code == 1
    assert run.summary["status"] == "failures"
    assert run.summary["seed"] == 1234
    assert "--seed 1234" in (run.run_dir / "summary.md").read_text()


def test_tests_killed_halfway_are_no_verdict_but_exit_3(fake_run: Callable[..., Run]) -> None:
    """The results so far all passed; the tests that never ran do not make it conformant."""
    run = fake_run("killed")
    assert run.code == 3, run.output
    assert run.summary["status"] != "conformant"
    assert "ended abruptly (signal SIGKILL)" in run.output


def test_unreachable_target_exits_3_quickly_with_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports"
    earlier = reports / "20250101T000000Z"
    earlier.mkdir(parents=True)
    (earlier / "summary.json").write_text("{}")
    target = f"http://127.0.0.1:{closed_port()}/api"
    started = time.monotonic()
    code = main(
        [
            "run",
            "--target",
            target,
            "--username",
            "admin",
            "--password",
            PASSWORD,
            "--report-dir",
            str(reports),
        ]
    )
    assert code == 3
    assert time.monotonic() - started < 30
    run_dir = max(p for p in reports.iterdir() if p != earlier)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "unreachable"
    assert summary["target"] == target
    assert "unreachable" in summary["error"]
    assert "NOT RUN" in (run_dir / "summary.md").read_text()
    # CI reads junit.xml: it says the run could not reach its target
    junit = ET.parse(run_dir / "junit.xml").getroot()
    assert junit.tag == "testsuites" and junit.get("name") == "scv-conformance"
    (case,) = junit.iter("testcase")
    (error,) = case.iter("error")
    assert "unreachable" in (error.get("message") or "")
    assert (earlier / "summary.json").read_text() == "{}"
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes()
    assert PASSWORD not in capsys.readouterr().out


def test_credentials_in_the_target_url_are_never_written(tmp_path: Path) -> None:
    target = f"http://someone:{PASSWORD}@127.0.0.1:{closed_port()}/api"
    code = main(
        [
            "run",
            "--target",
            target,
            "--username",
            "admin",
            "--password",
            PASSWORD,
            "--report-dir",
            str(tmp_path),
        ]
    )
    assert code == 3
    for path in tmp_path.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert PASSWORD not in text and "someone" not in text


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--profile", "deep"],
        ["run", "--workers", "0"],
        ["run", "--target", "ftp://scv.lab"],
        ["run", "--seed", "minus-one"],
        ["scenarios", "--only", "noSuchWorkflow"],
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main([*argv, "--report-dir", str(tmp_path / "reports")])
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) <= 2 and "Traceback" not in err
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_target_without_credentials_exits_2_and_leaves_no_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--target", "https://scv.lab:8144", "--report-dir", str(tmp_path)])
    assert code == 2
    assert "credentials" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
