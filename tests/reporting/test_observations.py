"""observations.json from synthetic exchange logs and Allure results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.http.recording import log_files, read_records
from conformance.reporting.allure_results import ResultRecord
from conformance.reporting.observations import (
    build_observations,
    percentile,
    write_observations,
)
from conformance.reporting.summary import RunFacts
from tests.reporting.recording_helpers import envelope, exchange, write_log

pytestmark = pytest.mark.unit

FACTS = RunFacts(
    target="https://scv.lab:8144/api",
    appliance_version="6.2",
    contract_path="specs/scv.openapi.yaml",
    contract_sha256="abc",
    contract_version="1.0.0",
    start_time="2026-11-27T20:15:00+00:00",
    duration_seconds=1.0,
    seed=7,
    profile="smoke",
    suites=("fuzz", "scenarios"),
)


def policies(names: list[str | None]) -> str:
    return envelope({"policies": [{"id": i, "name": n} for i, n in enumerate(names)]})


def workflow(name: str, status: str, step: str | None, start: int, stop: int) -> ResultRecord:
    labels = {"scv.suite": "scenario", "scv.workflowId": name}
    if step:
        labels["scv.stepId"] = step
    return ResultRecord(
        nodeid=f"scenarios/{name}.arazzo.yaml::{name}",
        name=name,
        status=status,
        message="",
        labels=labels,
        start_ms=start,
        stop_ms=stop,
    )


def test_operations_get_status_codes_per_kind_shapes_and_latency(tmp_path: Path) -> None:
    write_log(
        tmp_path,
        "gw0-1.jsonl",
        [
            (
                exchange("GET", "/4.1/policies", 200, policies(["a"]), elapsed_ms=10),
                "examples-positive",
                "getPolicies",
            ),
            (
                exchange("GET", "/4.1/policies", 200, policies([None]), elapsed_ms=30),
                "fuzzing-positive",
                "getPolicies",
            ),
            (
                exchange("GET", "/4.1/policies", 401, envelope(None, status=401), elapsed_ms=20),
                "fuzzing-negative",
                "getPolicies",
            ),
            (exchange("GET", "/4.1/nowhere", 404, "", elapsed_ms=5), "probe", None),
        ],
    )
    write_log(
        tmp_path,
        "gw1-2.jsonl",
        [
            (
                exchange("GET", "/4.1/policies", 200, policies(["b"]), elapsed_ms=40),
                "scenario",
                "getPolicies",
            )
        ],
    )
    path = write_observations(tmp_path, [], FACTS)
    document = json.loads(path.read_text())
    assert {
        k: document[k] for k in ("format", "target", "appliance_version", "profile", "seed")
    } == {
        "format": 1,
        "target": "https://scv.lab:8144/api",
        "appliance_version": "6.2",
        "profile": "smoke",
        "seed": 7,
    }
    assert list(document["operations"]) == ["getPolicies"]  # the unmatched probe is left out
    observed = document["operations"]["getPolicies"]
    assert observed["status_codes"] == {
        "examples-positive": {"200": 1},
        "fuzzing-negative": {"401": 1},
        "fuzzing-positive": {"200": 1},
        "scenario": {"200": 1},
    }
    assert observed["shapes"]["200"] == {
        "responseMessage": "null",
        "response": "object",
        "response.policies": "array",
        "response.policies[]": "object",
        "response.policies[].id": "integer",
        "response.policies[].name": "string|null",
        "statusCode": "integer",
        "statusMessage": "string",
        "uri": "null",
    }
    assert observed["shapes"]["401"]["response"] == "null"
    assert observed["latency_ms"] == {"count": 4, "median": 25.0, "p95": 40.0}
    assert '"a"' not in path.read_text() and "OK" not in path.read_text()  # never values


def test_workflows_get_outcome_failing_step_and_duration() -> None:
    results = [
        workflow("backupOnDemand", "passed", None, 1000, 3500),
        workflow("restoreVm", "failed", "waitForRestore", 0, 12_000),
        workflow("mountBackup", "skipped", None, 0, 0),
        workflow("attachVmdk", "broken", "attach", 0, 500),
        ResultRecord("specs/scv.openapi.yaml::getJobs::x", "x", "failed", "", {}, 0, 1),
    ]
    document = build_observations(iter([]), results, FACTS)
    assert document["workflows"] == {
        "attachVmdk": {"outcome": "broken", "failing_step": "attach", "duration_s": 0.5},
        "backupOnDemand": {"outcome": "passed", "failing_step": None, "duration_s": 2.5},
        "mountBackup": {"outcome": "skipped", "failing_step": None, "duration_s": 0.0},
        "restoreVm": {"outcome": "failed", "failing_step": "waitForRestore", "duration_s": 12.0},
    }
    assert document["operations"] == {}


def test_p95_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.95) == 95.0
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([1.0, 2.0], 0.95) == 2.0


def test_the_logs_are_read_as_a_stream(tmp_path: Path) -> None:
    write_log(
        tmp_path,
        "main-1.jsonl",
        [
            (
                exchange("GET", "/4.1/jobs", 200, envelope([]), elapsed_ms=i),
                "fuzzing-positive",
                "getJobs",
            )
            for i in range(50)
        ],
    )
    records = read_records(log_files(tmp_path))
    assert iter(records) is records  # a generator, not a list
    document = build_observations(records, [], FACTS)
    assert document["operations"]["getJobs"]["latency_ms"]["count"] == 50
