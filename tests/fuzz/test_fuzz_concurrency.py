"""Fuzzing with several operations in flight: the same cases as one at a time, overlapping."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fuzz_child import Outcome, manifest_of, run_fuzz

from conformance.contract.spec import resource_of
from conformance.emulator import EmbeddedEmulator, EmulatorConfig

pytestmark = pytest.mark.integration

PLUGINS = Path(__file__).parent / "plugins"
SEED = 7


def _fuzz(tmp_path: Path, name: str, concurrency: int, latency_ms: float = 0) -> Outcome:
    """A smoke run against an emulator of its own (the same start for every run)."""
    config = EmulatorConfig(port=0, tls=False, seed=SEED, latency_ms=latency_ms)
    with EmbeddedEmulator(config) as emu:
        manifest = manifest_of(
            emu,
            tmp_path / name,
            seed=SEED,
            concurrency=concurrency,
            response_time_budget_ms=5000,
        )
        return run_fuzz(emu, manifest, "-p", "case_log")


def _cases(outcome: Outcome) -> list[dict[str, Any]]:
    assert outcome.run_dir is not None
    path = outcome.run_dir / ".run" / "cases.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


#: A name the run gives an object it creates for fuzzing: numbered in the order the
#: creations happen, which threads change (what was generated does not)
RUN_OWNED = re.compile(r"scv-conformance-(?:[\w.-]+-)?fuzz-\d+")


def _sent(cases: list[dict[str, Any]], stateful: bool) -> Counter[str]:
    keys = ("method", "path", "query", "body")
    return Counter(
        RUN_OWNED.sub(
            "scv-conformance-fuzz-N", json.dumps({k: case[k] for k in keys}, sort_keys=True)
        )
        for case in cases
        if (case["phase"] == "stateful") == stateful
    )


@pytest.fixture(autouse=True)
def _case_log_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(PLUGINS))


def test_the_same_seed_sends_the_same_cases_one_at_a_time_and_four_at_once(
    tmp_path: Path,
) -> None:
    alone = _fuzz(tmp_path, "alone", concurrency=1)
    together = _fuzz(tmp_path, "together", concurrency=4)
    assert alone.returncode == 0, alone.output[-3000:]
    assert together.returncode == 0, together.output[-3000:]
    assert alone.results == together.results
    one, four = _cases(alone), _cases(together)
    assert len(one) > 100
    assert _sent(one, stateful=False) == _sent(four, stateful=False)
    assert _sent(one, stateful=True) == _sent(four, stateful=True)


def test_against_a_slow_target_reads_overlap_and_state_changes_go_alone_per_resource(
    tmp_path: Path,
) -> None:
    outcome = _fuzz(tmp_path, "slow", concurrency=4, latency_ms=40)
    assert outcome.returncode == 0, outcome.output[-3000:]
    cases = [case for case in _cases(outcome) if case["phase"] != "stateful"]
    walk = [case for case in _cases(outcome) if case["phase"] == "stateful"]
    # the walk starts from the state every run leaves (it goes ahead in a thread too)
    assert walk and min(c["sent"] for c in walk) >= max(c["answered"] for c in cases)
    reads = [case for case in cases if case["method"] == "GET"]
    # a login changes nothing: it may go beside the reads
    others = [c for c in cases if c["method"] != "GET" and not c["path"].endswith("/auth/login")]

    def beside(case: dict[str, Any], among: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            other
            for other in among
            if other["operation"] != case["operation"]
            and case["sent"] < other["answered"]
            and other["sent"] < case["answered"]
        ]

    assert len(reads) > 30 and len(others) > 30
    assert sum(bool(beside(case, reads)) for case in reads) > len(reads) // 2
    assert not [case for case in others if beside(case, reads)]
    same = [
        (case["operation"], other["operation"])
        for case in others
        for other in beside(case, others)
        if resource_of(case["path"]) == resource_of(other["path"])
    ]
    assert not same
    apart = {resource_of(o["path"]) for case in others for o in beside(case, others)}
    assert len(apart) > 2
