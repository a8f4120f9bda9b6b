"""A full disk is an infrastructure error: exit 3 and one line, and what was written is kept.

No test fills a real disk. The end-to-end test runs the harness with a file-size limit
(``RLIMIT_FSIZE``, SIGXFSZ ignored), under which every write past the limit fails with
EFBIG as a full disk fails one with ENOSPC: it proves that a report the file system
refuses, in the parent or in a test process, ends the run with exit 3, one line and no
traceback, and that the reports that fit are kept whole. It does not prove which reports
a real disk would still take. The unit tests inject ENOSPC itself at the write seam.
"""

from __future__ import annotations

import errno
import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import cli
from conformance.reporting.unwritten import ReportsUnwritten, ReportWrites
from tests.safety import harness_cli

#: Bytes a file may have: the small reports fit, summary.json does not.
FILE_LIMIT = 16 * 1024


def _limited() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a killed process
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


@pytest.mark.integration
def test_a_run_whose_reports_the_disk_refuses_ends_with_exit_3_and_one_line(
    tmp_path: Path,
) -> None:
    # .pyc files of these processes go to a folder of their own: Python writes one cut
    # short by the limit without noticing, and every later import would read it
    env = harness_cli.environment(tmp_path / "reports", PYTHONPYCACHEPREFIX=str(tmp_path / "pyc"))
    finished = subprocess.run(
        [sys.executable, "-c", harness_cli.ENTRY, "scenarios", "--only", "createResourceGroup"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        preexec_fn=_limited,
        cwd=tmp_path,
    )
    assert finished.returncode == 3, finished.stdout
    assert "Traceback" not in finished.stdout
    (line,) = [ln for ln in finished.stdout.splitlines() if ln.startswith("scv-conformance: ")]
    assert line.startswith("scv-conformance: error: could not write ")
    assert "summary.json" in line and "what was written is kept" in line
    (run_dir,) = (tmp_path / "reports").iterdir()
    assert not (run_dir / "summary.json").exists()  # not half of one
    assert not list(run_dir.rglob("*.tmp"))
    kept = [p for p in run_dir.rglob("*") if p.is_file() and p.stat().st_size]
    assert kept and all(p.stat().st_size <= FILE_LIMIT for p in kept)
    for result in (run_dir / "allure-results").glob("*-result.json"):
        json.loads(result.read_text())  # whole, or not there


@pytest.mark.unit
def test_each_report_is_attempted_and_a_refusal_marks_the_summary(tmp_path: Path) -> None:
    writes = ReportWrites(tmp_path)

    def full(path: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    writes.attempt("junit.xml", full, tmp_path / "junit.xml")
    assert writes.attempt("summary.md", (tmp_path / "summary.md").write_text, "kept") == 4
    summary = writes.marked({"status": "failures", "exitCode": 1, "error": None})
    assert summary["exitCode"] == 3 and summary["status"] == "error"
    assert summary["error"] == (
        f"could not write junit.xml in {tmp_path} (No space left on device); "
        "what was written is kept"
    )
    with pytest.raises(ReportsUnwritten) as info:
        writes.check()
    assert info.value.exit_code == 3
    assert (tmp_path / "summary.md").read_text() == "kept"
    ReportWrites(tmp_path).check()  # nothing refused: nothing raised


@pytest.mark.unit
def test_a_full_disk_anywhere_a_command_writes_is_one_line_and_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def dispatch(args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", "/reports/x/summary.md")

    monkeypatch.setattr(cli, "_dispatch", dispatch)
    assert cli.main(["report"]) == 3
    assert capsys.readouterr().err == (
        "scv-conformance: error: cannot write /reports/x/summary.md: No space left on device "
        "(is the disk full?)\n"
    )

    def missing(args: object) -> int:
        raise FileNotFoundError(errno.ENOENT, "No such file", "x")

    monkeypatch.setattr(cli, "_dispatch", missing)
    with pytest.raises(FileNotFoundError):  # not a full disk: not hidden as one
        cli.main(["report"])
