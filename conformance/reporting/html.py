"""`scv-conformance report`: the Allure 3 HTML report of a run, with trends across runs.

The report goes to ``RUN_DIR/allure-report/`` (a single ``index.html`` that opens from
disk). The trend history lives beside the runs, in ``RUN_DIR/../history.jsonl``, so
nightly runs under one report folder build one history. A missing Allure command line
is an environment problem: one line saying how to install it, and exit code 3.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from conformance.core.errors import ExitCode, UsageError
from conformance.reporting.allure_cli import INSTALL_HINT, find_allure
from conformance.reporting.history import trim_history
from conformance.reporting.metadata import TREE_GROUP_BY, allure3_categories
from conformance.reporting.run_dirs import latest_run_dir

REPORT_FOLDER = "allure-report"
HISTORY_FILE = "history.jsonl"
HISTORY_LIMIT = 100
#: Present in a run folder once its results are in the history (regenerating adds none).
IN_HISTORY_MARKER = ".in-history"
GENERATE_TIMEOUT = 600


def resolve_run_dir(run_dir: str | None, report_dir: str) -> Path:
    """The run folder to report on: the one given, or the latest under ``report_dir``."""
    if run_dir is None:
        latest = latest_run_dir(Path(report_dir))
        if latest is None:
            raise UsageError(
                f"no run under {report_dir}/: run `scv-conformance run` first, or give RUN_DIR"
            )
        return latest
    path = Path(run_dir)
    if not (path / "allure-results").is_dir():
        raise UsageError(f"{run_dir} is not a run folder (no allure-results/ in it)")
    return path


def allure_config(
    output: Path, history: Path, append_history: bool, title: str
) -> dict[str, object]:
    """The Allure 3 configuration of one report."""
    return {
        "name": title,
        "output": str(output),
        "historyPath": str(history),
        "historyLimit": HISTORY_LIMIT,
        "appendHistory": append_history,
        "categories": allure3_categories(),
        "plugins": {
            "awesome": {
                "options": {
                    "reportName": title,
                    "singleFile": True,
                    "reportLanguage": "en",
                    "groupBy": TREE_GROUP_BY,
                }
            }
        },
    }


def build_report(run_dir: str | None, report_dir: str) -> int:
    """Generate the HTML report of a run; returns the exit code."""
    # absolute: Allure runs inside the run folder, so a relative path would resolve twice
    folder = resolve_run_dir(run_dir, report_dir).absolute()
    command = find_allure()
    if command is None:
        print(f"scv-conformance: error: {INSTALL_HINT}", file=sys.stderr)
        return int(ExitCode.INFRASTRUCTURE)
    history = folder.resolve().parent / HISTORY_FILE
    append = not (folder / IN_HISTORY_MARKER).exists()
    with tempfile.TemporaryDirectory(prefix=".report-", dir=folder) as work:
        scratch = Path(work)
        output = scratch / REPORT_FOLDER
        scratch_history = scratch / HISTORY_FILE
        if history.exists():
            shutil.copyfile(history, scratch_history)
        config = scratch / "allurerc.json"
        config.write_text(
            json.dumps(allure_config(output, scratch_history, append, _title(folder)), indent=2),
            encoding="utf-8",
        )
        error = _generate(command, config, folder / "allure-results", folder)
        if error:
            print(f"scv-conformance: error: allure generate failed: {error}", file=sys.stderr)
            return int(ExitCode.INFRASTRUCTURE)
        _swap_in(output, folder / REPORT_FOLDER)
        if scratch_history.exists():
            trim_history(scratch_history)
            os.replace(scratch_history, history)
    (folder / IN_HISTORY_MARKER).touch()
    print(f"report: {folder / REPORT_FOLDER / 'index.html'}")
    return int(ExitCode.CONFORMANT)


def _title(folder: Path) -> str:
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        return f"SCV conformance: {summary.get('profile')} run {folder.name}"
    except (OSError, ValueError, AttributeError):
        return f"SCV conformance: run {folder.name}"


def _generate(command: list[str], config: Path, results: Path, cwd: Path) -> str | None:
    """Run ``allure generate``; the error's last line, or None on success."""
    env = {**os.environ, "ALLURE_NO_ANALYTICS": "1", "NO_COLOR": "1"}
    try:
        done = subprocess.run(
            [*command, "generate", "-c", str(config), str(results)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=GENERATE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"no answer within {GENERATE_TIMEOUT} s"
    except OSError as exc:
        return exc.strerror or str(exc)
    if done.returncode != 0 or not (config.parent / REPORT_FOLDER / "index.html").exists():
        lines = [ln.strip() for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
        return lines[-1] if lines else f"exit code {done.returncode}"
    return None


def _swap_in(new: Path, target: Path) -> None:
    """Replace ``target`` by ``new`` so that a report is always complete or absent."""
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    new.rename(target)
    if old.exists():
        shutil.rmtree(old)
