"""Upgrade validation end to end: run, upgrade, run, diff; and a nightly baseline.

Appliances are emulators started separately, as if they were real: a release that
conforms, the same release with a known fault (a regression shipped), and, when the
emulator can play it, the next release with its changed behaviour.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.contract.spec import load_contract
from conformance.emulator.releases import (
    NEXT,
    ChangedStatus,
    NewOperation,
    ReleaseVariant,
    RenamedField,
    SlowerOperation,
)
from conformance.reporting.diff import state_dependent
from tests.runner.emulators import Appliance, emulator

pytestmark = pytest.mark.integration

FAULT = "missing-required-field"
#: How `emulate` is asked to play the next release (see `scv-conformance emulate --help`).
VARIANT_FLAG = "--release-variant"
VARIANT_VALUE = "next"


CONTRACT = load_contract()


def variant_differences(variant: ReleaseVariant) -> set[tuple[str, str]]:
    """The differences ``variant`` introduces, as `diff` names them: (kind, operationId)."""
    expected: set[tuple[str, str]] = set()
    for change in variant.changes:
        if isinstance(change, RenamedField):
            expected |= {
                ("field removed", change.operation_id),
                ("field added", change.operation_id),
            }
        elif isinstance(change, ChangedStatus):
            # a documented 404, 409 or success may follow from the appliance's state (diff
            # lists it, but as no regression); any other status is new
            responses = CONTRACT.operation(change.operation_id).definition.get("responses", {})
            documented = frozenset(str(code) for code in responses)
            explained = state_dependent(str(change.new), documented)
            kind = "documented status code now seen" if explained else "new status code"
            expected.add((kind, change.operation_id))
        elif isinstance(change, SlowerOperation):
            expected.add(("slower", change.operation_id))
        elif isinstance(change, NewOperation):
            expected.add(("operation added", change.operation_id))
        else:
            raise AssertionError(f"no expectation for a {change.kind} change")
    return expected


#: The differences the next release introduces, as `diff` names them (kind, operationId).
VARIANT_DIFFERENCES = variant_differences(NEXT)
#: Generated cases per operation in the upgrade runs: the smoke profile's two never ask
#: for a job that does not exist, so the changed status code would not be observed.
UPGRADE_EXAMPLES = "10"
#: The upgrade runs also try the boundary values (the full profile's coverage phase): an
#: id at the contract's maximum names no job, whatever the seed makes of the rest.
UPGRADE_PROFILE = ("--profile", "full")


@dataclass
class Finished:
    code: int
    folder: Path
    output: str

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.folder / "summary.json").read_text())


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as examples:
        return subprocess.run(
            [sys.executable, "-m", "conformance.cli", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("SCV_")},
                # other tests share the machine: a generous time budget, latency no verdict
                "SCV_RESPONSE_TIME_BUDGET_MS": "5000",
                # a seeded run replays only without examples saved by earlier runs
                "HYPOTHESIS_STORAGE_DIRECTORY": examples,
            },
        )


def run_against(appliance: Appliance, reports: Path, *options: str) -> Finished:
    """`scv-conformance run --only fuzz --profile smoke` against ``appliance``."""
    config = reports.parent / f"{reports.name}.toml"
    config.write_text(
        "\n".join(
            f"{k} = {str(v).lower() if isinstance(v, bool) else json.dumps(v)}"
            for k, v in appliance.settings().items()
        )
        + "\n"
    )
    before = set(reports.iterdir()) if reports.exists() else set()
    done = cli(
        "run",
        "--config",
        str(config),
        "--only",
        "fuzz",
        "--profile",
        "smoke",
        "--seed",
        "4",
        "--report-dir",
        str(reports),
        *options,
    )
    (folder,) = set(reports.iterdir()) - before
    return Finished(done.returncode, folder, done.stdout + done.stderr)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Finished]]:
    """Faulty with --write-baseline, faulty again with --baseline, clean with --baseline."""
    base = tmp_path_factory.mktemp("upgrade")
    baseline = base / "baseline.json"
    finished = {}
    with emulator("--fault", FAULT) as faulty, emulator() as clean:
        finished["faulty"] = run_against(faulty, base / "faulty", "--write-baseline", str(baseline))
        # with the baseline written, the nightly and the clean run go side by side: each
        # mostly waits on its own appliance
        with ThreadPoolExecutor(max_workers=1) as beside:
            nightly = beside.submit(
                run_against, faulty, base / "nightly", "--baseline", str(baseline)
            )
            finished["clean"] = run_against(clean, base / "clean", "--baseline", str(baseline))
            finished["nightly"] = nightly.result()
    yield finished


KNOWN = "operation:getPolicies:check:response_schema_conformance"


def test_baseline_accepts_the_known_fault_and_sees_it_fixed(runs: dict[str, Finished]) -> None:
    faulty, nightly, clean = runs["faulty"], runs["nightly"], runs["clean"]
    assert faulty.code == 1, faulty.output[-3000:]
    assert "baseline written: " in faulty.output
    assert nightly.code == 0, nightly.output[-3000:]
    assert nightly.summary["status"] == "accepted"
    assert [e["key"] for e in nightly.summary["baseline"]["accepted"]] == [KNOWN]
    assert f"accepted: {KNOWN}" in nightly.output
    assert clean.code == 0, clean.output[-3000:]
    assert clean.summary["status"] == "conformant"
    assert [e["key"] for e in clean.summary["baseline"]["noLongerFailing"]] == [KNOWN]
    assert f"no longer fails: {KNOWN}" in clean.output
    assert KNOWN in (clean.folder / "summary.md").read_text()


def test_diff_names_the_regression_and_its_fix(runs: dict[str, Finished], tmp_path: Path) -> None:
    clean, faulty = runs["clean"].folder, runs["faulty"].folder
    done = cli("diff", str(clean), str(faulty), "--out", str(tmp_path / "diff"))
    assert done.returncode == 1, done.stdout + done.stderr
    document = json.loads((tmp_path / "diff" / "diff.json").read_text())
    verdicts = [c for c in document["changes"] if c["area"] == "verdict"]
    assert [(c["subject"], c["detail"], c["kind"]) for c in verdicts] == [
        ("getPolicies", "response_schema_conformance", "regression")
    ]
    assert document["before"]["seed"] == document["after"]["seed"] == 4
    assert document["scopeDiffers"] is False
    removed = {
        (c["subject"], c["kind"]) for c in document["changes"] if c["area"] == "answer field"
    }
    assert ("getPolicies", "field removed") in removed
    # this test is about verdicts and fields: the two runs' latencies on a busy test machine
    # are not what it compares
    back = cli("diff", str(faulty), str(clean), "--latency-threshold", "100000%")
    assert back.returncode == 0, back.stdout + back.stderr
    assert "| fixed | verdict | getPolicies | response_schema_conformance |" in back.stdout


def test_upgrade_to_the_next_release_names_exactly_its_differences(tmp_path: Path) -> None:
    with emulator() as current:
        before = run_against(
            current, tmp_path / "before", "--max-examples", UPGRADE_EXAMPLES, *UPGRADE_PROFILE
        )
    with emulator(VARIANT_FLAG, VARIANT_VALUE) as upgraded:
        after = run_against(
            upgraded, tmp_path / "after", "--max-examples", UPGRADE_EXAMPLES, *UPGRADE_PROFILE
        )
    done = cli("diff", str(before.folder), str(after.folder), "--out", str(tmp_path / "diff"))
    document = json.loads((tmp_path / "diff" / "diff.json").read_text())
    # what the appliance does differently; verdicts and deviations follow from it
    observed = {
        (c["kind"], c["subject"])
        for c in document["changes"]
        if c["area"] not in ("verdict", "deviation")
    }
    # a renamed field, a changed status code, a slower operation, a new operation
    assert {"field removed", "field added", "slower", "operation added"} < {
        kind for kind, _ in VARIANT_DIFFERENCES
    }
    assert any("status code" in kind for kind, _ in VARIANT_DIFFERENCES)
    assert observed == VARIANT_DIFFERENCES, done.stdout
    assert done.returncode == 1
