"""The flags ``st run`` users reach for mean here what they mean there, down to the child:
``-n``, ``-w``, ``-H``, ``-c all``, ``--exclude-checks``, ``--include-*-regex``,
``--phases``, ``-m/--mode``, ``--report`` and ``--no-color``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.run import runner

pytestmark = pytest.mark.integration

ALL_CHECKS_BUT_ONE = 18


def _fuzz(tmp_path: Path, mode: str, *more: str) -> tuple[int, Path]:
    code = main(
        [
            "fuzz",
            *("--include-operation-id-regex", "^getJob$"),
            *("--phases", "fuzzing", "-m", mode, "-n", "5", "--seed", "1"),
            *("-w", "2", "-H", "X-Source: st", "-c", "all"),
            *("--exclude-checks", "not_a_server_error", "--report", "har"),
            *more,
        ]
    )
    (run_dir,) = (tmp_path / "reports").iterdir()
    return code, run_dir


def _job_ids(run_dir: Path) -> set[str]:
    har = json.loads((run_dir / "exchanges.har").read_text())
    urls = [entry["request"]["url"] for entry in har["log"]["entries"]]
    return {url.rsplit("/", 1)[1] for url in urls if "/4.1/jobs/" in url}


@pytest.mark.parametrize("mode", ["negative", "positive"])
def test_st_run_flags_reach_the_child_and_change_the_run(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, run_dir = _fuzz(tmp_path, mode)
    output = capsys.readouterr()
    assert code == 0, output.out + output.err
    manifest = json.loads((run_dir / ".run" / "manifest.json").read_text())
    assert manifest["max_examples"] == 5 and manifest["concurrency"] == 2
    assert manifest["headers"] == {"X-Source": "st"}
    assert manifest["selection"]["phases"] == ["fuzzing"]
    assert manifest["selection"]["mode"] == [mode]
    summary = json.loads((run_dir / "summary.json").read_text())
    # the regex selects one operation; without the stateful phase there is no walk
    assert set(summary["operations"]) == {"getJob"}
    checks = set(summary["operations"]["getJob"]["checks"])
    assert "not_a_server_error" not in checks and len(checks) == ALL_CHECKS_BUT_ONE
    # --report har: the exchanges are in the run folder, the header on each request
    ids = _job_ids(run_dir)
    har = (run_dir / "exchanges.har").read_text()
    assert re.search(r'"name": "[Xx]-[Ss]ource",\s*"value": "st"', har)
    # the probes append characters to the documented id (4., 4+); generated ids are
    # whole numbers when positive, and also other text when negative
    if mode == "positive":
        assert all(i[0].isdigit() for i in ids), ids
    else:
        assert any(not i[0].isdigit() for i in ids), ids


def test_report_html_builds_the_html_report_of_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    built: list[tuple[Any, ...]] = []
    monkeypatch.setattr(runner, "build_report", lambda *args: built.append(args) or 3)
    code, run_dir = _fuzz(tmp_path, "positive", "--report", "html", "-n", "1")
    capsys.readouterr()
    assert built == [(str(run_dir), str(run_dir.parent))]
    # a report asked for and not built is the machine's trouble
    assert code == 3
