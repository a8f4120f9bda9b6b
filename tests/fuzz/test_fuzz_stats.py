"""fuzz-stats.json: how much a fuzzing process did, for reports and benchmarks."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.fuzz.plugin import write_stats
from conformance.fuzz.verdicts import Finding, FuzzResult

pytestmark = pytest.mark.unit


def test_the_stats_count_cases_and_the_check_verdicts_on_them(tmp_path: Path) -> None:
    jobs = FuzzResult(cases=3, elapsed=1.5)
    jobs.verdict("not_a_server_error").add_pass()
    jobs.verdict("not_a_server_error").add_pass()
    jobs.verdict("status_code_conformance").add_failure(Finding("title", "message", None))
    jobs.verdict("use_after_free").not_applicable += 3  # judged nothing
    walk = FuzzResult(cases=2)
    walk.verdict("not_a_server_error").add_pass()
    suite: Any = SimpleNamespace(
        results=lambda: {"getJobs": jobs, "stateful": walk},
        profile=SimpleNamespace(name="smoke"),
        seed=7,
    )
    document = json.loads(write_stats(tmp_path, suite).read_text())
    assert document["cases"] == 5 and document["checks_judged"] == 4
    assert document["checks_by_name"] == {
        "not_a_server_error": 3,
        "status_code_conformance": 1,
        "use_after_free": 0,
    }
    assert document["runs"]["getJobs"] == {"cases": 3, "checks_judged": 3, "seconds": 1.5}
