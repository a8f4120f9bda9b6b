"""The state read through the API; the run's items removed and the singletons written back.

Against the emulator in-process: what a run changed is put back, and the two readings of
the state are then equal; what cannot be put back is named as a difference.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.contract.spec import load_contract, resource_of
from conformance.custody.account import Account
from conformance.custody.holdings import holdings
from conformance.custody.ledger import Ledger, leftovers
from conformance.custody.owned import Owned
from conformance.custody.putback import remove_owed
from conformance.custody.readings import differences, read_state
from conformance.custody.steering import Request, Steering
from conformance.emulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    EmulatorConfig,
    ManualClock,
    create_app,
)
from tests.emulator.conftest import Api

pytestmark = pytest.mark.unit

CONTRACT = load_contract()
FOUND = holdings(CONTRACT)


class Scv:
    """The emulator's SCV API as a reader: paths below /api, the token added."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.api.call(method, path, **kwargs)


class Vcenter:
    """The emulator's vCenter API as a reader, with a session."""

    def __init__(self, api: Api) -> None:
        self.api = api
        answer = api.raw("POST", "/api/session", auth=(DEFAULT_USERNAME, DEFAULT_PASSWORD))
        self.session = answer.json()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"vmware-api-session-id": self.session}
        return self.api.raw(method, path, headers=headers, **kwargs)


@pytest.fixture
def api() -> Iterator[Api]:
    clock = ManualClock()
    made = Api(create_app(EmulatorConfig(job_duration=1.0), clock), clock)
    yield made
    made.close()


def test_two_readings_of_an_untouched_appliance_are_equal(api: Api) -> None:
    scv, vcenter = Scv(api), Vcenter(api)
    first = read_state(scv, vcenter, FOUND)
    assert set(first) >= {
        "getSvmAll",
        "getPolicies",
        "getResourceGroups",
        "getSchedules",
        "getAuditConfig",
        "vCenter VMs",
        "vCenter datastores",
        "vCenter disks",
    }
    assert "RG-Finance" in str(first["getResourceGroups"])
    assert differences(first, read_state(scv, vcenter, FOUND)) == []


def test_what_the_run_changed_is_put_back(api: Api, tmp_path: Path) -> None:
    scv, vcenter = Scv(api), Vcenter(api)
    account = Account.opened(CONTRACT, scv, vcenter, "a1b2c3")
    # the run: a policy of its own (owed in the ledger), a schedule and the audit settings
    owned = Owned("a1b2c3", Ledger(tmp_path / "cleanup-ledger.jsonl"))
    made = api.ok(
        api.post(
            "/4.1/policies",
            json={
                "name": owned.new_name(),
                "frequency": "DAILY",
                "retention": {"type": "COUNT", "value": 3},
            },
        )
    )
    policies = next(lst for lst in FOUND.listings if lst.read.operation_id == "getPolicies")
    owned.add(policies, str(made["id"]))
    schedule = api.ok(api.get("/4.1/schedules"))["scheduleResponseList"][0]
    api.ok(
        api.put("/4.1/schedules", json={"name": schedule["name"], "cronExpression": "0 1 3 * * ?"})
    )
    api.ok(
        api.put(
            "/4.1/audit/config",
            json={"retentionDays": 3650, "maxFileSizeInMB": 1023, "syslog": {"enabled": True}},
        )
    )
    custody = account.close(tmp_path, {}, scv, vcenter)
    assert custody["equal"], custody["differences"]
    assert custody["removed"]["done"] == [f"DELETE /4.1/policies/{made['id']}"]
    assert len(custody["writtenBack"]["done"]) == 2
    assert leftovers(tmp_path) == []
    assert (tmp_path / "state-before.json").is_file() and (tmp_path / "state-after.json").is_file()


def test_what_cannot_be_put_back_is_named_with_why(api: Api, tmp_path: Path) -> None:
    scv, vcenter = Scv(api), Vcenter(api)
    account = Account.opened(CONTRACT, scv, vcenter, "a1b2c3")
    groups = api.ok(api.get("/4.1/resource-groups"))["resourceGroupResponseList"]
    finance = next(g for g in groups if g["name"] == "RG-Finance")
    api.ok(api.delete(f"/4.1/resource-groups/{finance['id']}"))
    records = {"backupResourceGroupNow": {"statuses": {"200": 2, "400": 1}}}
    custody = account.close(tmp_path, records, scv, vcenter)
    assert not custody["equal"]
    (difference,) = custody["differences"]
    assert difference["kind"] == "removed"
    assert difference["message"] == f'getResourceGroups: {finance["id"]} removed ("RG-Finance")'
    assert "changed during the run" in difference["why"]
    (effect,) = custody["sideEffects"]
    assert effect["operationId"] == "backupResourceGroupNow" and effect["accepted"] == 2


def _attach(api: Api, owned: Owned, alternate: str | None) -> dict[str, Any]:
    """Attach a VMDK of finance-app01's newest backup (to ``alternate``, if given), as
    fuzzing does, and tell the steering it was accepted; the attach job's answer."""
    vm = next(v for v in api.state.vms.values() if v.name == "finance-app01" and not v.deleted)
    backup = api.ok(api.get(f"/4.1/vm/{vm.moref}/backups"))["backupResponseList"][0]["backupId"]
    locations = api.ok(api.get(f"/4.1/vm/{vm.moref}/backups/{backup}/vmdklocations"))
    body: dict[str, Any] = {"backupId": backup, "vmdkLocations": locations["vmdkLocationsList"]}
    if alternate is not None:
        body["alternateVmMoref"] = alternate
    answer = api.post(f"/4.1/vm/{vm.moref}/attachvmdks", json=body)
    steering = Steering(FOUND, owned, lambda _: None, lambda _: None, DEFAULT_USERNAME)
    attach = CONTRACT.operation("attachVmdks")
    steering.answered(attach, Request({"moref": vm.moref}, body), 200, answer.json())
    return dict(answer.json()["response"])


@pytest.mark.parametrize("alternate", [None, "vm-103"])
def test_disks_the_run_attached_are_detached_once_the_attach_has_ended(
    api: Api, tmp_path: Path, alternate: str | None
) -> None:
    scv, vcenter = Scv(api), Vcenter(api)
    account = Account.opened(CONTRACT, scv, vcenter, "a1b2c3")
    owned = Owned("a1b2c3", Ledger(tmp_path / "cleanup-ledger.jsonl"))
    job = _attach(api, owned, alternate)
    waited: list[list[str]] = []

    def wait(job_ids: list[str]) -> None:  # the jobs end while the run waits for them
        waited.append(job_ids)
        api.clock.advance(2.0)

    custody = account.close(tmp_path, {"attachVmdks": {"statuses": {"200": 1}}}, scv, vcenter, wait)
    assert waited[0] == [str(job["jobId"])]  # the attach had ended before the detach
    assert custody["equal"], custody["differences"]
    (detach,) = custody["removed"]["done"]
    target = alternate or next(v.moref for v in api.state.vms.values() if v.name == "finance-app01")
    assert detach.startswith(f"POST /4.1/vm/{target}/detachvmdks")
    assert leftovers(tmp_path) == []
    # undone, so no side effect
    assert not any(e.get("operationId") == "attachVmdks" for e in custody["sideEffects"])


def test_a_disk_detached_already_is_nothing_left(api: Api, tmp_path: Path) -> None:
    scv, vcenter = Scv(api), Vcenter(api)
    account = Account.opened(CONTRACT, scv, vcenter, "a1b2c3")
    owned = Owned("a1b2c3", Ledger(tmp_path / "cleanup-ledger.jsonl"))
    job = _attach(api, owned, "vm-103")
    api.clock.advance(2.0)
    assert api.ok(api.get(f"/4.1/jobs/{job['jobId']}"))["status"] == "COMPLETED"
    target = api.state.vm_by_moref("vm-103")
    assert target is not None
    for disk in [d for d in target.disks if d.from_backup is not None]:
        target.disks.remove(disk)  # detached by someone (or by a later fuzzed call)
    custody = account.close(tmp_path, {}, scv, vcenter, lambda _: api.clock.advance(2.0))
    assert custody["equal"] and custody["removed"]["failed"] == []
    assert leftovers(tmp_path) == []


class Together:
    """A reader that holds its first ``parties`` requests until that many are in flight
    at once (a BrokenBarrierError when they never are), then passes each, one at a time,
    to the in-process emulator; it notes what was sent and what was in flight, by
    resource."""

    def __init__(self, reader: Any, parties: int, lock: threading.Lock | None = None) -> None:
        self.reader = reader
        self.barrier = threading.Barrier(parties, timeout=10) if parties > 1 else None
        self.lock = lock or threading.Lock()
        self.count = threading.Lock()
        self.sent: list[str] = []
        self.in_flight: dict[str, int] = {}
        self.overlapped: set[str] = set()
        self.refuse: set[str] = set()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        resource = resource_of(path)
        with self.count:
            held = self.barrier is not None and len(self.sent) < self.barrier.parties
            self.sent.append(f"{method} {path}")
            self.in_flight[resource] = self.in_flight.get(resource, 0) + 1
            if method != "GET" and self.in_flight[resource] > 1:
                self.overlapped.add(resource)
        try:
            if held:
                assert self.barrier is not None
                self.barrier.wait()
            if f"{method} {path}" in self.refuse:
                self.refuse.discard(f"{method} {path}")
                return httpx.Response(409, json={"message": "in use"})
            with self.lock:
                return self.reader.request(method, path, **kwargs)
        finally:
            with self.count:
                self.in_flight[resource] -= 1


def test_reads_overlap_and_read_the_same_state_as_one_at_a_time(api: Api) -> None:
    lock = threading.Lock()
    alone = read_state(Together(Scv(api), 1, lock), Together(Vcenter(api), 1, lock), FOUND)
    scv = Together(Scv(api), 4, lock)
    vcenter = Together(Vcenter(api), 1, lock)
    assert read_state(scv, vcenter, FOUND, concurrency=4) == alone
    assert len(scv.sent) == len(FOUND.listings)
    assert vcenter.sent[0] == "GET /api/vcenter/vm"  # the session opens before the rest
    assert len(vcenter.sent) == 2 + len(alone["vCenter disks"])


def _owe_items(api: Api, tmp_path: Path) -> tuple[list[str], list[str]]:
    """Two policies and a resource group of the run's, owed in the ledger in that order."""
    owned = Owned("a1b2c3", Ledger(tmp_path / "cleanup-ledger.jsonl"))
    listing = {lst.read.operation_id: lst for lst in FOUND.listings}
    policies = []
    for _ in range(2):
        body = {
            "name": owned.new_name(),
            "frequency": "DAILY",
            "retention": {"type": "COUNT", "value": 3},
        }
        made = api.ok(api.post("/4.1/policies", json=body))
        owned.add(listing["getPolicies"], str(made["id"]))
        policies.append(f"DELETE /4.1/policies/{made['id']}")
    group = {
        "name": owned.new_name(),
        "entities": ["vm-104"],
        "policies": [{"id": 3}],
        "spanningDatastores": {"spanningType": "EXCLUDE_ALL"},
        "notification": "NEVER",
    }
    made = api.ok(api.post("/4.1/resource-groups", json=group))
    owned.add(listing["getResourceGroups"], str(made["id"]))
    return policies, [f"DELETE /4.1/resource-groups/{made['id']}"]


def test_removals_of_different_resources_overlap_those_of_one_go_in_order(
    api: Api, tmp_path: Path
) -> None:
    policies, groups = _owe_items(api, tmp_path)
    scv = Together(Scv(api), 2)
    removed = remove_owed(scv, FOUND, tmp_path, concurrency=4)
    # the first policy and the group met in flight; the policies never did
    assert set(scv.sent[:2]) == {policies[0], groups[0]}
    assert scv.sent[2:] == [policies[1]]
    assert scv.overlapped == set()
    assert removed.done == [*policies, *groups] and removed.failed == []
    assert leftovers(tmp_path) == []


def test_a_refused_removal_is_tried_again_after_the_others(api: Api, tmp_path: Path) -> None:
    policies, groups = _owe_items(api, tmp_path)
    scv = Together(Scv(api), 1)
    scv.refuse.add(policies[0])
    removed = remove_owed(scv, FOUND, tmp_path)
    assert scv.sent == [policies[0], policies[1], *groups, policies[0]]
    assert removed.done == [*policies, *groups] and removed.failed == []
    assert leftovers(tmp_path) == []


def test_a_vmdk_attached_three_times_is_detached_three_times(api: Api, tmp_path: Path) -> None:
    """Each detach names the VMDK by its location: the next is sent once the previous one's
    job has ended, or all three would detach the same disk."""
    scv, vcenter = Scv(api), Vcenter(api)
    account = Account.opened(CONTRACT, scv, vcenter, "a1b2c3")
    owned = Owned("a1b2c3", Ledger(tmp_path / "cleanup-ledger.jsonl"))
    for _ in range(3):
        _attach(api, owned, "vm-103")
    custody = account.close(tmp_path, {}, scv, vcenter, lambda _: api.clock.advance(2.0))
    assert custody["equal"], custody["differences"]
    assert len(custody["removed"]["done"]) == 3
