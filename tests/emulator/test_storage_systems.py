"""Storage systems as NetApp's own client adds them, and unknown request fields either way."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from conformance.core.errors import UsageError
from conformance.emulator import EmulatorConfig
from conformance.emulator.cli import add_arguments, config_from
from tests.emulator.conftest import Api, assert_conforms, error

pytestmark = pytest.mark.unit

#: What NetApp's Ansible role for SCV sends, key for key, with its example variables
#: (roles/ci-snapcenter-vmware-plugin-roles/snapcenter-vmware-plugin-config/tasks/main.yml).
ROLE_BODY = {
    "asup": False,
    "name": "192.168.20.9",
    "password": "password",
    "platformType": "AFF",
    "port": 443,
    "preferredIp": "",
    "protocol": "HTTPS",
    "syslog": True,
    "timeout": 120,
    "userName": "admin",
}


def listed(api: Api) -> dict[str, dict[str, Any]]:
    answer = api.get("/4.1/storage-system")
    assert_conforms("getSvmAll", answer)
    return {s["name"]: s for s in api.ok(answer)["storageSystemResponseList"]}


def test_the_ansible_roles_requests_are_taken_and_the_cluster_is_listed(api: Api) -> None:
    login = api.raw(
        "POST",
        "/api/4.1/auth/login",
        json={"password": "scv-emulator", "username": "administrator@vsphere.local"},
    )
    assert login.status_code == 200
    token = login.json()["response"]["token"]
    added = api.raw(
        "POST",
        "/api/4.1/storage-system",
        json=ROLE_BODY,
        headers={"Accept": "application/json", "Token": token},
    )
    assert added.status_code == 200, added.text
    assert_conforms("addStorageSystem", added)
    assert "password" not in added.text
    systems = listed(api)
    cluster = systems["192.168.20.9"]
    assert (cluster["type"], cluster["userName"], cluster["timeout"]) == ("CLUSTER", "admin", 120)
    assert (cluster["platformType"], cluster["syslog"], cluster["asup"]) == ("AFF", True, False)
    # what came with the cluster: its storage VMs, listed without a user name
    for svm in ("svm-nas02", "svm-san02"):
        assert systems[svm]["clusterName"] == "192.168.20.9"
        assert "userName" not in systems[svm] and "username" not in systems[svm]


def test_an_address_of_no_known_cluster_is_added_as_a_storage_vm(api: Api) -> None:
    api.ok(api.post("/4.1/storage-system", json={**ROLE_BODY, "name": "10.1.2.3"}))
    systems = listed(api)
    assert systems["10.1.2.3"]["type"] == "SVM" and systems["10.1.2.3"]["userName"] == "admin"
    assert "svm-nas02" not in systems


def test_a_cluster_takes_its_storage_vms_along_when_it_goes(api: Api) -> None:
    api.ok(api.post("/4.1/storage-system", json={**ROLE_BODY, "name": "cluster02"}))
    # one of them added on its own gets its own user and stays with the cluster's removal
    explicit = {**ROLE_BODY, "name": "svm-nas02", "userName": "vsadmin"}
    assert api.ok(api.post("/4.1/storage-system", json=explicit))["userName"] == "vsadmin"
    assert listed(api)["svm-nas02"]["clusterName"] == "cluster02"
    assert "already exists" in error(api.post("/4.1/storage-system", json=explicit), 409)
    api.ok(api.delete("/4.1/storage-system", json={"name": "cluster02"}))
    systems = listed(api)
    assert "cluster02" not in systems and "svm-san02" not in systems
    assert systems["svm-nas02"]["userName"] == "vsadmin"


def test_a_modification_sends_the_same_model(api: Api) -> None:
    body = {**ROLE_BODY, "name": "svm-nfs01", "userName": "vsadmin", "timeout": 300}
    modified = api.put("/4.1/storage-system", json=body)
    assert_conforms("modifyStorageSystem", modified)
    assert listed(api)["svm-nfs01"]["timeout"] == 300


def test_a_lower_case_username_is_refused_by_default(api: Api) -> None:
    body = {k: v for k, v in ROLE_BODY.items() if k != "userName"} | {"username": "admin"}
    assert "Unknown field: 'username'" in error(api.post("/4.1/storage-system", json=body), 400)


def test_ignored_unknown_fields_are_dropped_and_logged(
    make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    api = make_api(unknown_fields="ignore")
    with caplog.at_level(logging.INFO, logger="conformance.emulator"):
        added = api.post("/4.1/storage-system", json={**ROLE_BODY, "certificate": "-----BEGIN"})
    assert "certificate" not in api.ok(added)
    assert "addStorageSystem: ignored unknown fields certificate" in caplog.text
    # a field spelled as the model does not spell it is never seen: its value is missing
    body = {k: v for k, v in ROLE_BODY.items() if k != "userName"} | {"username": "admin"}
    body["name"] = "10.9.9.9"
    assert "Missing required field 'userName'" in error(
        api.post("/4.1/storage-system", json=body), 400
    )
    # nested objects too: the audit configuration's syslog settings
    config = api.ok(api.get("/4.1/audit/config"))
    changed = {**config, "syslog": {**config["syslog"], "facility": "local0"}, "level": "FULL"}
    stored = api.ok(api.put("/4.1/audit/config", json=changed))
    assert "level" not in stored and "facility" not in stored["syslog"]
    # a schema violation other than an unknown field is still refused
    assert "timeout" in error(
        api.post("/4.1/storage-system", json={**ROLE_BODY, "name": "x1", "timeout": "soon"}), 400
    )


def test_the_unknown_fields_option(make_api: Callable[..., Api]) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert config_from(parser.parse_args([])).unknown_fields == "refuse"
    assert config_from(parser.parse_args(["--unknown-fields", "ignore"])).unknown_fields == "ignore"
    with pytest.raises(SystemExit):
        parser.parse_args(["--unknown-fields", "drop"])
    with pytest.raises(UsageError, match="unknown fields"):
        EmulatorConfig(unknown_fields="drop").validate()
