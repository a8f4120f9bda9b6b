"""The seeded inventory: fixed names and ids, seed-dependent details, deterministic."""

from __future__ import annotations

import re

import pytest

from conformance.emulator.inventory import LEGACY_VM_UUID, describe_inventory
from conformance.scenarios.inventory import EMULATOR_INVENTORY, EMULATOR_POOLS
from tests.emulator.conftest import Api

pytestmark = pytest.mark.unit


def snapshot(api: Api) -> dict[str, object]:
    paths = ["/4.1/policies", "/4.1/resource-groups", "/4.1/jobs", "/4.1/reports/protectedVM"]
    paths += [f"/4.1/vm/vm-10{i}/backups" for i in range(1, 6)]
    paths += ["/4.1/vm/vm-101/backups/vmdklocations", "/4.1/audit/logs"]
    return {path: api.ok(api.get(path)) for path in paths}


def test_same_seed_same_inventory(make_api) -> None:  # type: ignore[no-untyped-def]
    assert snapshot(make_api(seed=7)) == snapshot(make_api(seed=7))


def test_other_seed_other_details_same_names(make_api) -> None:  # type: ignore[no-untyped-def]
    one, two = make_api(seed=1), make_api(seed=2)
    report_one = one.ok(one.get("/4.1/reports/protectedVM"))["protectedVmList"]
    report_two = two.ok(two.get("/4.1/reports/protectedVM"))["protectedVmList"]
    assert [v["vmName"] for v in report_one] == [v["vmName"] for v in report_two]
    assert [v["uuid"] for v in report_one] != [v["uuid"] for v in report_two]


def test_documented_names_and_ids(api: Api) -> None:
    policies = api.ok(api.get("/4.1/policies"))["policyResponseList"]
    assert [(p["id"], p["name"], p["frequency"]) for p in policies] == [
        (1, "Daily-7", "DAILY"),
        (2, "Hourly-24", "HOURLY"),
        (3, "Weekly-4", "WEEKLY"),
    ]
    assert policies[0]["retention"] == {"type": "DAYS", "value": 7}
    assert policies[1]["retention"] == {"type": "COUNT", "value": 24}
    groups = api.ok(api.get("/4.1/resource-groups"))["resourceGroupResponseList"]
    assert [(g["id"], g["name"], g["entities"]) for g in groups] == [
        (1, "RG-Finance", ["vm-101", "vm-102"]),
        (2, "RG-Web", ["datastore-202"]),
    ]
    names = {s["name"] for s in api.ok(api.get("/4.1/storage-system"))["storageSystemResponseList"]}
    assert names == {"svm-nfs01", "svm-iscsi01"}
    schedules = api.ok(api.get("/4.1/schedules"))["scheduleResponseList"]
    assert len(schedules) == 5
    assert all(len(s["cronExpression"].split()) == 6 for s in schedules)


def test_past_backups(api: Api) -> None:
    finance_db = api.ok(api.get("/4.1/vm/vm-102/backups"))["backupResponseList"]
    assert [b["partialBackup"] for b in finance_db] == [True, False]
    assert api.ok(api.get("/4.1/vm/vm-104/backups"))["backupResponseList"] == []
    assert len(api.ok(api.get("/4.1/vm/vm-105/backups"))["backupResponseList"]) == 1
    legacy = api.ok(api.get(f"/4.1/vm/{LEGACY_VM_UUID}/backups"))["backupResponseList"]
    assert len(legacy) == 1
    web = api.ok(api.get("/4.1/datastores/datastore-202/backups"))["backupResponseList"]
    assert "RG-Web" in {b["resourceGroupName"] for b in web}
    audit = api.ok(api.get("/4.1/audit/logs"))["auditLogList"]
    # the seeded days are rolled over as the documentation names them; today is audit.log
    names = [f["fileName"] for f in audit]
    assert names[-1] == "audit.log" and len(names) >= 3
    assert all(re.fullmatch(r"audit-\d{4}(-\d\d){5}\.log\.gz", n) for n in names[:-1])
    assert [f["integrity"]["status"] for f in audit] == ["NORMAL"] * (len(names) - 1) + ["ACTIVE"]


def test_describe_inventory_lists_fixed_rows() -> None:
    rows = describe_inventory()
    assert ("vm", "finance-app01", "vm-101") in rows
    assert ("vm-template", "rhel9-template", "vm-105") in rows
    assert ("deleted-vm", "legacy-crm01", LEGACY_VM_UUID) in rows
    assert ("datastore", "vmfs_ds01 (VMFS)", "datastore-203") in rows
    assert ("esxi-host", "esx03.lab.local", "host-13") in rows
    assert ("resource-group", "RG-Web", "2") in rows


def test_the_scenarios_default_names_are_the_emulators() -> None:
    """The scenario suite names the emulator's inventory without importing the emulator."""
    rows = describe_inventory()
    names = {name.split(" (")[0] for _, name, _ in rows}
    defaults = EMULATOR_INVENTORY
    assert defaults["deleted_vm_uuid"] == LEGACY_VM_UUID
    for key in ("vm", "alternate_vm", "template_vm", "partial_backup_vm", "datastore", "esx_host"):
        assert defaults[key] in names, key
    assert set(EMULATOR_POOLS["vms"]) <= names and set(EMULATOR_POOLS["datastores"]) <= names
