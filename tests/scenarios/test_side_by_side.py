"""Workflows side by side through the plugin: the Allure timeline shows they overlapped,
conflicting ones never did, each kept its own steps, and nothing was left behind."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from scenario_helpers import emulator
from test_scenario_plugin import WORKFLOWS, _point_at, _run

from conformance.contract.spec import load_contract
from conformance.core.item_keys import LABEL_PREFIX
from conformance.emulator import EmbeddedEmulator
from conformance.http.session import ScvSession, Target
from conformance.scenarios import conflicts, inventory, loader
from conformance.scenarios.loader import SCENARIO_DIR

pytestmark = pytest.mark.integration

#: State that every workflow must leave as it found it (what runs add, such as jobs,
#: backups and audit files, is not in it).
KEPT = ("getSvmAll", "getPolicies", "getResourceGroups", "getSchedules", "getAuditConfig")
VMS = ("vm-101", "vm-102", "vm-103", "vm-106", "vm-107", "vm-108", "vm-109", "vm-110")


def _state(emu: EmbeddedEmulator) -> dict[str, Any]:
    contract = load_contract()
    target = Target(emu.base_url, emu.username, emu.password, verify=False)
    state: dict[str, Any] = {}
    with ScvSession(target) as session:
        for operation_id in KEPT:
            body = session.request("GET", contract.operation(operation_id).path).json()
            state[operation_id] = body["response"]
    with httpx.Client(base_url=emu.vcenter_url, verify=False) as vcenter:
        token = vcenter.post("/api/session", auth=(emu.username, emu.password)).json()
        headers = {"vmware-api-session-id": token}
        state["datastores"] = vcenter.get("/api/vcenter/datastore", headers=headers).json()
        for vm in VMS:
            disks = vcenter.get(f"/api/vcenter/vm/{vm}/hardware/disk", headers=headers).json()
            state[f"disks of {vm}"] = disks
    return state


def _results(allure_dir: Path) -> dict[str, dict[str, Any]]:
    results = {}
    for path in allure_dir.glob("*-result.json"):
        result = json.loads(path.read_text())
        labels = {label["name"]: label["value"] for label in result["labels"]}
        inputs = next(a for a in result["attachments"] if a["name"] == "workflow inputs")
        result["inputs"] = json.loads((allure_dir / inputs["source"]).read_text())
        results[labels[LABEL_PREFIX + "workflowId"]] = result
    return results


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a["start"] < b["stop"] and b["start"] < a["stop"])


@pytest.fixture(scope="module")
def side_by_side_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[int, dict[str, str], dict[str, dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """Every workflow, four at once, against a slow emulator; its state before and after."""
    run_dir = tmp_path_factory.mktemp("side-by-side")
    allure_dir = run_dir / "allure"
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        emulator(tls=False, job_duration=0.6, latency_ms=15) as emu,
    ):
        before = _state(emu)
        _point_at(monkeypatch, emu, run_dir, embedded=True, concurrency=4, job_timeout=10.0)
        code, recorder = _run(str(SCENARIO_DIR), "--alluredir", str(allure_dir))
        after = _state(emu)
    return code, recorder.outcomes(), _results(allure_dir), before, after


def test_every_workflow_passes_and_leaves_nothing_behind(
    side_by_side_run: tuple[int, dict[str, str], Any, dict[str, Any], dict[str, Any]],
) -> None:
    code, outcomes, _, before, after = side_by_side_run
    assert code == 0, outcomes
    assert len(outcomes) == WORKFLOWS and set(outcomes.values()) == {"passed"}
    assert after == before


def test_independent_workflows_overlap_conflicting_ones_never_do(
    side_by_side_run: tuple[int, dict[str, str], dict[str, dict[str, Any]], Any, Any],
) -> None:
    _, _, results, _, _ = side_by_side_run
    assert len(results) == WORKFLOWS
    overlapping = {
        (a, b) for a in results for b in results if a < b and _overlap(results[a], results[b])
    }
    assert len(overlapping) >= 5
    # judged by the objects each really ran on (its inputs: morefs of the pools' VMs)
    ran = _footprints({w: r["inputs"] for w, r in results.items()})
    conflicting = {(a, b) for a, b in overlapping if ran[a].conflicts_with(ran[b])}
    assert conflicting == set()
    # workflows that would have waited for the one `vm` ran side by side on others
    first = _footprints({w: inventory.EMULATOR_INVENTORY for w in results})
    swapped = {(a, b) for a, b in overlapping if first[a].conflicts_with(first[b])}
    assert swapped, "no two workflows ran on different VMs (or datastores) of a pool"
    assert {results[a]["inputs"].get("vm") for pair in swapped for a in pair} - {None, "vm-101"}
    lanes = {_label(result, "thread") for result in results.values()}
    assert len(lanes) == 4 and all(lane.endswith(("-1", "-2", "-3", "-4")) for lane in lanes)


def test_each_test_holds_its_own_steps_within_its_own_time(
    side_by_side_run: tuple[int, dict[str, str], dict[str, dict[str, Any]], Any, Any],
) -> None:
    _, _, results, _, _ = side_by_side_run
    for workflow_id, result in results.items():
        steps = result["steps"]
        assert steps, workflow_id
        assert all(result["start"] <= s["start"] <= s["stop"] <= result["stop"] for s in steps)
        assert all(s["stop"] > s["start"] for s in steps)  # each call waited its latency
        names = [a["name"] for a in result["attachments"]]
        assert names[:2] == ["workflow inputs", "workflow outputs"], workflow_id
    restore = [s["name"] for s in results["restoreVm"]["steps"]]
    vm = results["restoreVm"]["inputs"]["vm"]
    assert f"vmBackups: GET /api/4.1/vm/{vm}/backups → 200" in restore
    assert not any("/api/4.1/datastores" in name for name in restore)
    deleted = [s["name"] for s in results["restoreDeletedVm"]["steps"]]
    assert not any(f"{vm}/" in name for name in deleted)


def test_a_failing_workflow_still_cleans_up_beside_the_others(tmp_path: Path) -> None:
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        emulator(tls=False, fault="state-not-persisted", latency_ms=5) as emu,
    ):
        before = _state(emu)
        _point_at(monkeypatch, emu, tmp_path, embedded=True, concurrency=4, job_timeout=10.0)
        allure_dir = tmp_path / "allure"
        code, recorder = _run(str(SCENARIO_DIR), "--alluredir", str(allure_dir))
        after = _state(emu)
    outcomes = recorder.outcomes()
    assert code == 1
    assert {k for k, v in outcomes.items() if v == "failed"} == {"modifyResourceGroup"}
    assert after == before
    # the step it failed in is red with the failure and its reproduce command; the
    # cleanup steps after it stay green
    steps = _results(allure_dir)["modifyResourceGroup"]["steps"]
    failed = [s for s in steps if s["status"] == "failed"]
    assert len(failed) == 1, [(s["name"], s["status"]) for s in steps]
    assert failed[0]["statusDetails"]["message"].startswith("modifyResourceGroup/")
    assert failed[0]["statusDetails"]["trace"].startswith("reproduce:\ncurl ")
    assert steps.index(failed[0]) < len(steps) - 1


def _footprints(values: Mapping[str, Mapping[str, Any]]) -> dict[str, conflicts.Footprint]:
    contract = load_contract()

    def mutates(operation: Any) -> bool:
        return bool(
            operation.source == "scv" and contract.operation(operation.operation_id).mutates
        )

    return {
        workflow.workflow_id: conflicts.footprint(workflow, values[workflow.workflow_id], mutates)
        for path in loader.scenario_files()
        for workflow in loader.load(path).tests
        if workflow.workflow_id in values
    }


def _label(result: dict[str, Any], name: str) -> str:
    return next(label["value"] for label in result["labels"] if label["name"] == name)
