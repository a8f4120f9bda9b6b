"""Workflows adapted to the alternatives the preflight found, without touching the documents."""

from __future__ import annotations

import argparse

import pytest

from conformance.contract.spec import load_contract
from conformance.core.context import RunContext
from conformance.core.findings import Findings
from conformance.core.settings import resolve
from conformance.http.session import Target
from conformance.scenarios import alternatives, loader
from conformance.scenarios.arazzo.document import Workflow

pytestmark = pytest.mark.unit

MOUNT = loader.SCENARIO_DIR / "11-mount-datastore-backup.arazzo.yaml"


def context(findings: Findings | None) -> RunContext:
    return RunContext(
        settings=resolve(argparse.Namespace(), {}),
        target=Target("https://scv.lab:8144/api", "admin", "secret"),
        contract=load_contract(),
        release="6.2",
        reported_version="6.2",
        findings=findings,
    )


def step(workflow: Workflow, operation: str) -> dict[str, object]:
    (found,) = [s for s in workflow.steps if str(s.get("operationId", "")).endswith(operation)]
    return dict(found)


def test_a_served_alternative_and_a_spelling_replace_what_the_document_names() -> None:
    workflow = loader.load(MOUNT).workflow("mountDatastoreBackup")
    findings = Findings(snapshot_path="snapshotlocators", esx_hosts_spelling="translation")
    adapted, changes = alternatives.adapt(workflow, context(findings))
    locators = step(adapted, "getDatastoreSnapshotLocators")
    assert locators["operationId"] == "$sourceDescriptions.scv.getDatastoreSnapshotLocators"
    hosts = step(adapted, "getDatastoreAvailableEsxHosts")
    assert "AvailableEsxHostsList" in str(hosts["successCriteria"]) + str(hosts["outputs"])
    assert "availableEsxHostsList" not in str(hosts["successCriteria"]) + str(hosts["outputs"])
    assert any("getDatastoreSnapshotLocators instead of" in change for change in changes)
    # the document as loaded is unchanged
    assert step(workflow, "getDatastoreSnapshotLocations")
    assert "availableEsxHostsList" in str(step(workflow, "getDatastoreAvailableEsxHosts"))


def test_nothing_changes_when_the_appliance_uses_what_the_document_names() -> None:
    workflow = loader.load(MOUNT).workflow("mountDatastoreBackup")
    for findings in (
        None,
        Findings(),
        Findings(snapshot_path="both", esx_hosts_spelling="english"),
        Findings(snapshot_path="snapshotlocations"),
    ):
        adapted, changes = alternatives.adapt(workflow, context(findings))
        assert adapted is workflow and changes == []
