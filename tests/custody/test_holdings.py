"""What the state-changing operations work on, read off the contract, not a list by hand."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from conformance.contract.spec import SPEC_PATH, load_contract
from conformance.custody.holdings import holdings

pytestmark = pytest.mark.unit


def _ids(operations: object) -> list[str]:
    return [op.operation_id for op in operations]  # type: ignore[attr-defined]


def test_listings_the_run_can_own_and_those_it_writes_back() -> None:
    found = holdings(load_contract())
    by_read = {listing.read.operation_id: listing for listing in found.listings}
    owned = {k: v for k, v in by_read.items() if v.ownable}
    assert set(owned) == {"getSvmAll", "getPolicies", "getResourceGroups"}
    assert owned["getPolicies"].identity == "id"
    assert owned["getSvmAll"].identity == "name"  # storage systems have no id
    assert owned["getPolicies"].deletion.operation_id == "deletePolicy"
    assert owned["getSvmAll"].deletion.operation_id == "deleteStorageSystem"
    assert _ids(owned["getSvmAll"].writes) == [
        "modifyStorageSystem",
        "deleteStorageSystem",
        "renameStorageSystem",
    ]
    assert [s.read.operation_id for s in found.singletons] == [
        "getSchedules",
        "getAuditConfig",
        "getJobRetention",
        "getVcenterRegistration",
    ]
    assert by_read["getAuditConfig"].identity is None  # one object


def test_a_backup_of_a_group_names_the_group_through_the_creations_link() -> None:
    found = holdings(load_contract())
    ((reference),) = found.references
    assert reference.operation.operation_id == "backupResourceGroupNow"
    assert reference.listing.read.operation_id == "getResourceGroups"
    assert reference.pointer == ("resourceGroupId",)


def test_effects_and_the_one_the_links_say_how_to_undo() -> None:
    contract = load_contract()
    found = holdings(contract)
    effects = _ids(found.effects(contract.operations))
    assert {"backupResourceGroupNow", "restoreVm", "failJobs"} <= set(effects)
    # what custody puts back is no side effect: a mount is unmounted, an attach detached
    assert not {
        "createPolicy",
        "modifySchedule",
        "updateAuditConfig",
        "mountDatastoreBackup",
        "attachVmdks",
    } & set(effects)
    # the backup clean-up links to the mounts too; it is never fuzzed on an appliance
    # (x-scv-unconfined), so only the mount's undoing is ever used there
    (undoing,) = [u for u in found.undoings if u.effect.operation_id == "mountDatastoreBackup"]
    assert undoing.read.operation_id == "getMountedDatastores"
    assert undoing.undo.operation_id == "unmountDatastore"
    assert undoing.read_url({"backupId": 7}) == "/4.1/datastores/backups/7/mounted"


def test_an_operation_added_to_the_contract_is_covered_without_a_list(tmp_path: Path) -> None:
    document = yaml.safe_load(SPEC_PATH.read_text())
    policies = document["paths"]["/4.1/policies"]
    item = document["paths"]["/4.1/policies/{policyId}"]
    widgets = copy.deepcopy(policies)
    widgets["get"]["operationId"] = "getWidgets"
    widgets["post"]["operationId"] = "createWidget"
    widget = {"parameters": item.get("parameters", []), "delete": copy.deepcopy(item["delete"])}
    widget["delete"]["operationId"] = "deleteWidget"
    document["paths"]["/4.1/widgets"] = widgets
    document["paths"]["/4.1/widgets/{widgetId}"] = widget
    for parameter in widget.get("parameters", []):
        if isinstance(parameter, dict) and parameter.get("name") == "policyId":
            parameter["name"] = "widgetId"
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(document))
    found = holdings(load_contract(path))
    (listing,) = [lst for lst in found.listings if lst.read.operation_id == "getWidgets"]
    assert listing.ownable
    assert listing.creation.operation_id == "createWidget"
    assert listing.deletion.operation_id == "deleteWidget"
