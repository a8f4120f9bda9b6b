"""The fuzzing suite's pytest plugin, in the child pytest that `scv-conformance` starts.

Collects the contract into one item per (operation, check) plus the stateful walk, and
fuzzes the run context's target with schemathesis.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import pytest

from conformance.child.context import get_context, get_manifest
from conformance.contract.spec import SPEC_PATH
from conformance.core.item_keys import file_nodeid
from conformance.fuzz import skip_report
from conformance.fuzz.items import CheckItem, ContractFile
from conformance.fuzz.state import existing_suite, plan
from conformance.fuzz.suite import FuzzSuite
from conformance.fuzz.verdicts import FuzzResult

_COLLECTED = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "xdist_group(name): run these items in one worker")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.resolve() != SPEC_PATH.resolve():
        return None
    parent.config.stash[_COLLECTED] = True
    return ContractFile.from_parent(parent, path=file_path, nodeid=file_nodeid(file_path))


def pytest_collection_finish(session: pytest.Session) -> None:
    subjects = [
        item.operation.operation_id
        for item in session.items
        if isinstance(item, CheckItem) and item.operation is not None and item.skip is None
    ]
    walks = any(
        isinstance(item, CheckItem) and item.operation is None and item.skip is None
        for item in session.items
    )
    plan(session.config, list(dict.fromkeys(subjects)), stateful=walks)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if not config.stash.get(_COLLECTED, False):
        return
    context = get_context(config)
    entries = skip_report.left_out(context, get_manifest(config).selection)
    directory = get_manifest(config).run_dir
    skip_report.write(directory, context, entries)
    suite = existing_suite(config)
    if suite is not None:
        write_stats(directory, suite)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if not config.stash.get(_COLLECTED, False):
        return
    entries = skip_report.left_out(get_context(config), get_manifest(config).selection)
    if entries:
        terminalreporter.section("fuzzing: operations left out")
        for entry in entries:
            terminalreporter.write_line(f"{entry.operationId}: {entry.reason}")


STATS_FILE = "fuzz-stats.json"


def write_stats(directory: Path, suite: FuzzSuite) -> Path:
    """Write ``fuzz-stats.json`` (per-process file name under xdist) into ``directory``:
    how much the suite did, cases and engine time per operation, for reports and benchmarks."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = STATS_FILE if worker is None else f"fuzz-stats.{worker}.json"
    results = suite.results()
    document = {
        "profile": suite.profile.name,
        "seed": suite.seed,
        "cases": sum(r.cases for r in results.values()),
        # check verdicts on answers (passed, failed or deviated; not the not-applicable)
        "checks_judged": sum(_judged(r) for r in results.values()),
        "checks_by_name": _by_name(results.values()),
        "engine_seconds": round(sum(r.elapsed for r in results.values()), 3),
        "runs": {
            k: {"cases": r.cases, "checks_judged": _judged(r), "seconds": round(r.elapsed, 3)}
            for k, r in results.items()
        },
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def _judged(result: FuzzResult) -> int:
    return sum(verdict.judged for verdict in result.verdicts.values())


def _by_name(results: Iterable[FuzzResult]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results:
        for name, verdict in result.verdicts.items():
            counts[name] = counts.get(name, 0) + verdict.judged
    return dict(sorted(counts.items()))
