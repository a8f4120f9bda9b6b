"""State-changing requests steered onto what the run owns; logins off the configured user."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.contract.spec import load_contract
from conformance.custody.holdings import Holdings, Listing, holdings
from conformance.custody.ledger import Ledger, leftovers
from conformance.custody.owned import Owned
from conformance.custody.steering import Request, Steering

pytestmark = pytest.mark.unit

RUN = "a1b2c3"
USER = "administrator@vsphere.local"
CONTRACT = load_contract()
FOUND = holdings(CONTRACT)


def op(operation_id: str) -> Any:
    return CONTRACT.operation(operation_id)


def listing(read: str) -> Listing:
    return next(lst for lst in FOUND.listings if lst.read.operation_id == read)


class Appliance:
    """Makes items with increasing ids (or the name asked for) and lists what it holds."""

    def __init__(self) -> None:
        self.made: list[str] = []
        self.present: dict[str, list[str]] = {
            "getPolicies": ["1", "2"],
            "getResourceGroups": ["1", "2", "9"],
            "getSvmAll": ["svm-nfs01"],
        }

    def make(self, found: Listing) -> str | None:
        identity = str(100 + len(self.made)) if found.identity == "id" else f"made-{len(self.made)}"
        self.made.append(identity)
        self.present.setdefault(found.read.operation_id, []).append(identity)
        return identity

    def relist(self, found: Listing) -> list[str] | None:
        return list(self.present.get(found.read.operation_id, []))


def steering(tmp_path: Path, found: Holdings = FOUND) -> tuple[Steering, Owned, Appliance]:
    owned = Owned(RUN, Ledger(tmp_path / "cleanup-ledger.jsonl"))
    appliance = Appliance()
    for lst in found.listings:
        if lst.ownable:
            owned.found(lst, appliance.relist(lst) or [])
    return Steering(found, owned, appliance.make, appliance.relist, USER), owned, appliance


def test_an_update_of_the_appliances_policy_goes_to_one_the_run_made(tmp_path: Path) -> None:
    steer, _, appliance = steering(tmp_path)
    request = Request({"policyId": 1}, {"name": "Daily-14"})
    steer.steer(op("updatePolicy"), request)
    assert request.path_parameters == {"policyId": 100}  # an integer stays an integer
    assert appliance.made == ["100"]
    # the next one reuses it; a value the run owns is left alone
    other = Request({"policyId": 2}, {})
    steer.steer(op("deletePolicy"), other)
    assert other.path_parameters == {"policyId": 100}
    assert appliance.made == ["100"]
    (owed,) = leftovers(tmp_path)
    assert owed["request"] == "DELETE /4.1/policies/100"
    assert owed["undo"]["pathParameters"] == {"policyId": 100}


def test_a_negative_case_keeps_its_invalid_value_but_not_the_appliances(tmp_path: Path) -> None:
    steer, _, _ = steering(tmp_path)
    invalid = Request({"policyId": "not-a-number"}, {}, negative=True)
    steer.steer(op("deletePolicy"), invalid)
    assert invalid.path_parameters == {"policyId": "not-a-number"}
    theirs = Request({"policyId": 2}, {"name": ""}, negative=True)
    steer.steer(op("updatePolicy"), theirs)
    assert theirs.path_parameters == {"policyId": 100}
    assert theirs.body == {"name": ""}  # what makes it negative stays


def test_a_creation_gets_the_runs_name_and_its_answer_is_owed(tmp_path: Path) -> None:
    steer, owned, _ = steering(tmp_path)
    request = Request({}, {"name": "Hourly-24", "frequency": "HOURLY"})
    steer.steer(op("createPolicy"), request)
    assert request.body["name"].startswith(f"scv-conformance-{RUN}-")
    steer.answered(op("createPolicy"), request, 200, {"response": {"id": 41}})
    assert owned.owns(listing("getPolicies"), 41)
    steer.answered(op("deletePolicy"), Request({"policyId": 41}, None), 200, None)
    assert not owned.owns(listing("getPolicies"), 41)
    assert leftovers(tmp_path) == []  # owed, then settled
    # a negative creation keeps its name; if the appliance takes it anyway, it is owed
    negative = Request({}, {"name": 7}, negative=True)
    steer.steer(op("createPolicy"), negative)
    assert negative.body == {"name": 7}
    steer.answered(op("createPolicy"), negative, 200, {"response": {"id": 42}})
    assert [e["request"] for e in leftovers(tmp_path)] == ["DELETE /4.1/policies/42"]


def test_a_rename_names_the_runs_storage_system_and_a_new_run_name(tmp_path: Path) -> None:
    steer, owned, appliance = steering(tmp_path)
    request = Request(
        {}, {"existingSVM": {"name": "svm-nfs01"}, "newSVM": {"name": "svm-nfs01-renamed"}}
    )
    steer.steer(op("renameStorageSystem"), request)
    assert request.body["existingSVM"]["name"] == "made-0"
    new = request.body["newSVM"]["name"]
    assert new.startswith(f"scv-conformance-{RUN}-")
    appliance.present["getSvmAll"] = ["svm-nfs01", new]  # what the rename did
    steer.answered(op("renameStorageSystem"), request, 200, None)
    systems = listing("getSvmAll")
    assert owned.all(systems) == [new]
    owed = leftovers(tmp_path)
    assert [e["undo"]["body"] for e in owed] == [{"name": new}]


def test_a_walk_keeps_what_it_created_while_others_go_to_the_fixture(tmp_path: Path) -> None:
    steer, _, _ = steering(tmp_path)
    created = Request({}, {"name": "x"})
    steer.steer(op("createResourceGroup"), created)
    steer.answered(op("createResourceGroup"), created, 200, {"response": {"id": 48}})
    stray = Request({"resourceGroupId": 9}, None)
    steer.steer(op("deleteResourceGroup"), stray)
    assert stray.path_parameters["resourceGroupId"] not in (9, 48)  # nor what the walk made
    backup = Request({}, {"resourceGroupId": 1, "policyId": 1})
    steer.steer(op("backupResourceGroupNow"), backup)
    assert backup.body["resourceGroupId"] == stray.path_parameters["resourceGroupId"]
    assert backup.body["policyId"] == 1  # a policy is only referred to, not changed
    unknown = Request({"resourceGroupId": 777}, None)
    steer.steer(op("deleteResourceGroup"), unknown)
    assert unknown.path_parameters == {"resourceGroupId": 777}  # names nothing: sent as is
    spelled = Request({}, {"resourceGroupId": 1.0, "policyId": 1})
    steer.steer(op("backupResourceGroupNow"), spelled)
    assert spelled.body["resourceGroupId"] != 1.0  # 1.0 is read as group 1


def test_when_nothing_can_be_made_the_request_names_nothing(tmp_path: Path) -> None:
    owned = Owned(RUN, None)
    owned.found(listing("getPolicies"), ["1", "5"])
    steer = Steering(FOUND, owned, lambda _: None, lambda _: None, USER)
    request = Request({"policyId": 1}, {})
    steer.steer(op("deletePolicy"), request)
    assert request.path_parameters["policyId"] not in (1, 5)


@pytest.mark.parametrize("user", [USER, "Administrator@vSphere.local ", USER.upper()])
def test_a_fuzzed_login_never_names_the_configured_user(tmp_path: Path, user: str) -> None:
    steer, _, _ = steering(tmp_path)
    request = Request({}, {"username": user, "password": "example-password"})
    steer.steer(op("login"), request)
    assert request.body["username"].startswith(f"scv-conformance-{RUN}-nobody")
    other = Request({}, {"username": "someone@lab", "password": "x"})
    steer.steer(op("login"), other)
    assert other.body["username"] == "someone@lab"


def test_an_accepted_mount_owes_undoing_what_it_listed_new(tmp_path: Path) -> None:
    owned = Owned(RUN, Ledger(tmp_path / "cleanup-ledger.jsonl"))
    reads = {
        "/4.1/datastores/backups/7/mounted": {
            "response": {"mountedDatastoresList": [{"moref": "datastore-9"}]}
        }
    }
    steer = Steering(FOUND, owned, lambda _: None, lambda _: None, USER, reads.get)
    request = Request({"backupId": 7}, {"datastore": "nfs_ds01"})
    steer.steer(op("mountDatastoreBackup"), request)
    steer.answered(op("mountDatastoreBackup"), request, 200, {"response": {"jobId": 61}})
    (owed,) = leftovers(tmp_path)
    assert owed["undo"] == {
        "kind": "listed",
        "effect": "mountDatastoreBackup",
        "read": "/4.1/datastores/backups/7/mounted",
        "before": [["datastore-9"]],
        "job": "61",
    }
    assert json.dumps(owed)  # a ledger line
