"""Every state change is read back: derived from the contract and the scenario documents."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.contract.spec import SPEC_PATH, load_contract
from conformance.scenarios import loader
from conformance.scenarios.arazzo.document import ScenarioDocument
from conformance.scenarios.read_backs import Proof, prove, refusal_only

pytestmark = pytest.mark.unit

CONTRACT = load_contract()
DOCUMENTS = tuple(loader.load(path) for path in loader.scenario_files())


def proof_of(documents: tuple[ScenarioDocument, ...] = DOCUMENTS) -> Proof:
    return prove(CONTRACT, documents)


def without_step(name: str, workflow_id: str, step_id: str) -> tuple[ScenarioDocument, ...]:
    """The documents with one step of one workflow removed."""
    changed = []
    for document in DOCUMENTS:
        if document.path.name.startswith(name):
            data: dict[str, Any] = copy.deepcopy(dict(document.data))
            (workflow,) = [w for w in data["workflows"] if w["workflowId"] == workflow_id]
            kept = [s for s in workflow["steps"] if s["stepId"] != step_id]
            assert len(kept) == len(workflow["steps"]) - 1, f"no step {step_id}"
            workflow["steps"] = kept
            document = ScenarioDocument(document.path, data, document.sources)
        changed.append(document)
    return tuple(changed)


def test_every_state_changing_operation_of_the_contract_is_read_back() -> None:
    proof = proof_of()
    assert proof.unproven_operations(CONTRACT) == []
    mutating = {op.operation_id for op in CONTRACT.operations if op.mutates}
    assert len(mutating) == 28  # derived from the contract: every method but GET, login aside
    assert mutating <= proof.proven_operations() | set(proof.unreadable)


def test_every_cleanup_reads_back_what_it_undid() -> None:
    assert [write.label for write in proof_of().unread_cleanups] == []


def test_what_no_read_can_prove_says_why_in_the_contract() -> None:
    unreadable = proof_of().unreadable
    assert set(unreadable) == {"updateSyslogCert"}
    assert "No operation reads the syslog certificate back" in unreadable["updateSyslogCert"]


@pytest.mark.parametrize(
    ("document", "workflow", "step", "operation"),
    [
        # the only read-back of a policy update
        ("03-", "modifyPolicy", "readBackPolicy", "updatePolicy"),
        # a rename, read back once
        ("17-", "renameStorageVm", "listRenamed", "renameStorageSystem"),
        # the retention, read back after the change (the cleanup reads back its own)
        ("18-", "changeJobRetention", "readBackRetention", None),
    ],
)
def test_removing_a_read_back_is_noticed(
    document: str, workflow: str, step: str, operation: str | None
) -> None:
    proof = proof_of(without_step(document, workflow, step))
    unread = [w.label for w in proof.unread_steps]
    assert any(f"{workflow}." in label for label in unread), unread
    if operation is not None:
        assert operation in proof.unproven_operations(CONTRACT)


@pytest.mark.parametrize(
    ("document", "workflow", "step"),
    [
        ("03-", "removeCreatedResourceGroup", "checkGroupGone"),
        ("11-", "unmountMountedBackup", "checkMountGone"),
        ("09-", "detachVmdkFromVm", "checkDiskGone"),
        ("19-", "restoreVcenterRegistration", "checkRegistered"),
    ],
)
def test_removing_a_cleanup_s_read_back_is_noticed(document: str, workflow: str, step: str) -> None:
    unread = [w.label for w in proof_of(without_step(document, workflow, step)).unread_cleanups]
    assert len(unread) == 1 and f" {workflow}." in unread[0], unread


def _workflow(steps: list[dict[str, Any]]) -> tuple[ScenarioDocument, ...]:
    """The documents plus one made-up workflow of the given steps."""
    base = DOCUMENTS[0]
    data = copy.deepcopy(dict(base.data))
    data["workflows"] = [{"workflowId": "madeUp", "steps": steps}]
    return (ScenarioDocument(base.path, data, base.sources),)


ADD = {
    "stepId": "add",
    "operationId": "addStorageSystem",
    "requestBody": {"payload": {"name": "$inputs.storage_system"}},
    "successCriteria": [{"condition": "$statusCode == 200"}],
    "outputs": {"name": "$response.body#/response/name"},
}


def _read(criteria: list[dict[str, Any]], operation: str = "getSvmAll") -> dict[str, Any]:
    return {"stepId": "read", "operationId": operation, "successCriteria": criteria}


@pytest.mark.parametrize(
    ("criteria", "reads_back"),
    [
        ([{"condition": "$statusCode == 200"}], False),  # a 200 alone proves nothing
        (
            [{"condition": "$response.body#/response/storageSystemResponseList/0/name != null"}],
            False,  # looks at the body, but not at what was written
        ),
        (
            [
                {
                    "context": "$response.body",
                    "type": "jsonpath",
                    "condition": (
                        "$..storageSystemResponseList[?@.name == {$steps.add.outputs.name}]"
                    ),
                }
            ],
            True,
        ),
        (
            [
                {
                    "condition": "$response.body#/response/storageSystemResponseList/0/name"
                    " == $inputs.storage_system"
                }
            ],
            True,
        ),
    ],
)
def test_a_read_back_looks_at_what_the_write_wrote(
    criteria: list[dict[str, Any]], reads_back: bool
) -> None:
    proof = proof_of(_workflow([ADD, _read(criteria)]))
    assert bool(proof.read_back) is reads_back
    assert bool(proof.unread_steps) is not reads_back


def test_the_job_a_write_started_is_not_its_effect() -> None:
    backup = {
        "stepId": "backup",
        "operationId": "backupResourceGroupNow",
        "requestBody": {"payload": {"resourceGroupId": 1, "policyId": 1}},
        "successCriteria": [{"condition": "$statusCode == 200"}],
        "outputs": {"jobId": "$response.body#/response/jobId"},
    }
    wait = {
        "stepId": "wait",
        "operationId": "getJob",
        "parameters": [{"name": "id", "in": "path", "value": "$steps.backup.outputs.jobId"}],
        "successCriteria": [{"condition": "$response.body#/response/status == 'COMPLETED'"}],
    }
    assert [w.step_id for w in proof_of(_workflow([backup, wait])).unread_steps] == ["backup"]


def test_a_write_meant_to_be_refused_needs_no_read_back() -> None:
    refused = {**ADD, "successCriteria": [{"condition": "$statusCode == 400"}]}
    assert refusal_only(refused)
    assert not refusal_only(
        {"successCriteria": [{"condition": "$statusCode == 200 || $statusCode == 404"}]}
    )
    proof = proof_of(_workflow([refused]))
    assert proof.unread_steps == [] and proof.read_back == []


def test_a_link_to_a_read_of_what_a_write_created_counts_for_the_stateful_phase(
    tmp_path: Path,
) -> None:
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    created = document["paths"]["/4.1/policies"]["post"]["responses"]["200"]
    created["links"]["ReadCreatedPolicy"] = {
        "operationId": "getPolicies",
        "parameters": {"policyId": "$response.body#/response/id"},
    }
    # a link to the job a write started does not count
    changed = tmp_path / "scv.openapi.yaml"
    changed.write_text(yaml.safe_dump(document), encoding="utf-8")
    linked = prove(load_contract(changed), ()).linked
    assert linked == {"createPolicy": "link ReadCreatedPolicy to getPolicies"}
    assert prove(CONTRACT, ()).linked == {}
