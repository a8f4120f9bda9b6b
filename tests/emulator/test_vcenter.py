"""The minimal vCenter API served beside the SCV API."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.conftest import Api

pytestmark = pytest.mark.unit


def session(api: Api) -> dict[str, str]:
    answer = api.raw("POST", "/api/session", auth=("administrator@vsphere.local", "scv-emulator"))
    assert answer.status_code == 201
    return {"vmware-api-session-id": answer.json()}


def test_session_needs_basic_auth(api: Api) -> None:
    assert (
        api.raw("POST", "/api/session", auth=("administrator@vsphere.local", "x")).status_code
        == 401
    )
    assert api.raw("POST", "/api/session").status_code == 401
    assert api.raw("GET", "/api/vcenter/vm").status_code == 401
    bad = {"vmware-api-session-id": "nope"}
    assert api.raw("GET", "/api/vcenter/vm", headers=bad).status_code == 401


def test_lists_vms_datastores_hosts(api: Api) -> None:
    headers = session(api)
    vms = api.raw("GET", "/api/vcenter/vm", headers=headers).json()
    assert {v["name"]: v["vm"] for v in vms}["finance-db01"] == "vm-102"
    assert "legacy-crm01" not in {v["name"] for v in vms}
    assert set(vms[0]) == {"vm", "name", "power_state", "cpu_count", "memory_size_MiB"}
    some = api.raw(
        "GET",
        "/api/vcenter/vm",
        headers=headers,
        params=[("names", "hr-app01"), ("names", "web-frontend01")],
    ).json()
    assert sorted(v["vm"] for v in some) == ["vm-103", "vm-104"]
    datastores = api.raw("GET", "/api/vcenter/datastore", headers=headers).json()
    assert {(d["name"], d["datastore"], d["type"]) for d in datastores} == {
        ("nfs_ds01", "datastore-201", "NFS"),
        ("nfs_ds02", "datastore-202", "NFS"),
        ("vmfs_ds01", "datastore-203", "VMFS"),
    }
    hosts = api.raw("GET", "/api/vcenter/host", headers=headers).json()
    assert [h["name"] for h in hosts] == ["esx01.lab.local", "esx02.lab.local", "esx03.lab.local"]


def test_disks_of_a_vm(api: Api) -> None:
    headers = session(api)
    disks = api.raw("GET", "/api/vcenter/vm/vm-101/hardware/disk", headers=headers).json()
    assert disks == [{"disk": "2000"}, {"disk": "2001"}, {"disk": "2002"}]
    one = api.raw("GET", "/api/vcenter/vm/vm-101/hardware/disk/2001", headers=headers).json()
    assert one["backing"]["vmdk_file"] == "[nfs_ds01] finance-app01/finance-app01_1.vmdk"
    missing = api.raw("GET", "/api/vcenter/vm/vm-999/hardware/disk", headers=headers)
    assert missing.status_code == 404
    no_disk = api.raw("GET", "/api/vcenter/vm/vm-101/hardware/disk/9999", headers=headers)
    assert no_disk.status_code == 404


def test_a_vm_with_its_disks_and_their_backing(api: Api) -> None:
    headers = session(api)
    vm = api.raw("GET", "/api/vcenter/vm/vm-101", headers=headers).json()
    assert vm["name"] == "finance-app01"
    assert sorted(vm["disks"]) == ["2000", "2001", "2002"]
    backing = vm["disks"]["2001"]["backing"]["vmdk_file"]
    assert backing == "[nfs_ds01] finance-app01/finance-app01_1.vmdk"
    assert api.raw("GET", "/api/vcenter/vm/vm-999", headers=headers).status_code == 404
    assert api.raw("GET", "/api/vcenter/vm/vm-101").status_code == 401


def test_vcenter_is_not_under_scv_auth(api: Api) -> None:
    answer: httpx.Response = api.raw("GET", "/api/vcenter/host", headers={"Token": api.token})
    assert answer.status_code == 401
    assert "error_type" in answer.json()


def test_sessions_end_after_the_idle_time_and_leave_memory(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(vcenter_session_ttl=30)
    headers = session(api)
    for _ in range(3):
        # every use restarts the idle time, as in vCenter
        api.clock.advance(minutes=29)
        assert api.raw("GET", "/api/vcenter/host", headers=headers).status_code == 200
    api.clock.advance(minutes=30)
    assert api.raw("GET", "/api/vcenter/host", headers=headers).status_code == 401
    assert len(api.appliance.vcenter.sessions) == 0


def test_sessions_are_bounded_and_logout_ends_one(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(max_sessions=2)
    first, second, third = session(api), session(api), session(api)
    assert len(api.appliance.vcenter.sessions) == 2
    assert api.raw("GET", "/api/vcenter/host", headers=first).status_code == 401
    assert api.raw("GET", "/api/vcenter/host", headers=second).status_code == 200
    assert api.raw("DELETE", "/api/session", headers=third).status_code == 204
    assert api.raw("GET", "/api/vcenter/host", headers=third).status_code == 401
    assert len(api.appliance.vcenter.sessions) == 1


def test_deleting_a_vm_refuses_a_running_one_and_leaves_a_deleted_vm(api: Api) -> None:
    headers = session(api)
    running = api.raw("DELETE", "/api/vcenter/vm/vm-101", headers=headers)
    assert running.status_code == 400
    assert running.json()["error_type"] == "NOT_ALLOWED_IN_CURRENT_STATE"
    vm = api.state.vm_by_moref("vm-101")
    assert vm is not None
    identity = api.raw("GET", "/api/vcenter/vm/vm-101", headers=headers).json()["identity"]
    assert identity["bios_uuid"] == vm.uuid and identity["name"] == "finance-app01"
    vm.power_state = "POWERED_OFF"
    assert api.raw("DELETE", "/api/vcenter/vm/vm-101").status_code == 401
    assert api.raw("DELETE", "/api/vcenter/vm/vm-101", headers=headers).status_code == 204
    assert api.raw("GET", "/api/vcenter/vm/vm-101", headers=headers).status_code == 404
    names = [v["name"] for v in api.raw("GET", "/api/vcenter/vm", headers=headers).json()]
    assert "finance-app01" not in names
    assert api.raw("DELETE", "/api/vcenter/vm/vm-101", headers=headers).status_code == 404
    # SCV keeps its backups: a deleted VM, found by uuid
    assert vm.deleted and vm.moref is None and api.state.vm_by_ref(vm.uuid) is vm
