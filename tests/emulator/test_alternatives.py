"""The variants the vendor's pages disagree on: the emulator plays either one."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

import pytest

from conformance.emulator import EmulatorConfig
from conformance.emulator.cli import add_arguments, config_from
from conformance.emulator.config import UsageError
from tests.emulator.conftest import Api, assert_conforms, error

pytestmark = pytest.mark.unit

LOCATIONS = "/4.1/datastores/backups/{}/snapshotlocations"
LOCATORS = "/4.1/datastores/backups/{}/snapshotlocators"


def datastore_backup(api: Api) -> int:
    listed = api.ok(api.get("/4.1/datastores/datastore-202/backups"))["backupResponseList"]
    return int(listed[0]["backupId"])


def test_esx_host_lists_use_the_english_spelling_by_default(api: Api) -> None:
    for path, op in (
        ("/4.1/vm/vm-101/backups/availableesxhosts", "getVmAvailableEsxHosts"),
        ("/4.1/datastores/datastore-202/availableEsxHosts", "getDatastoreAvailableEsxHosts"),
    ):
        answer = api.get(path)
        assert_conforms(op, answer)
        assert list(api.ok(answer)) == ["availableEsxHostsList"]


def test_the_translation_spelling_can_be_played(make_api: Callable[..., Api]) -> None:
    api = make_api(spelling="translation")
    answer = api.get("/4.1/vm/vm-101/backups/availableesxhosts")
    assert_conforms("getVmAvailableEsxHosts", answer)
    assert list(api.ok(answer)) == ["AvailableEsxHostsList"]


def test_a_vmdk_restore_in_the_translation_spelling_is_refused(api: Api) -> None:
    backup = api.ok(api.get("/4.1/vm/vm-101/backups"))["backupResponseList"][0]["backupId"]
    disk = api.ok(api.get(f"/4.1/vm/vm-101/backups/{backup}/vmdklocations"))["vmdkLocationsList"][0]
    item = {
        "restoreFromLocation": {"datastore": "nfs_ds01", "location": "svm-nfs01:/vol/nfs_ds01"},
        "vmdkToRestore": {k: disk[k] for k in ("vmdkName", "datastore", "location")},
        "restoreToDatestore": "nfs_ds02",
    }
    body = {"esxHost": "esx01.lab.local", "vmdkRestoreLocations": [item]}
    message = error(api.post(f"/4.1/vm/vm-101/backups/{backup}/restorevmdks", json=body), 400)
    # refused for the unknown field or the missing one: either way it names the spelling
    assert "restoreToDatestore" in message or "restoreToDatastore" in message


def test_both_snapshot_location_paths_are_served_by_default(api: Api) -> None:
    backup = datastore_backup(api)
    by_locations = api.get(LOCATIONS.format(backup))
    by_locators = api.get(LOCATORS.format(backup))
    assert_conforms("getDatastoreSnapshotLocations", by_locations)
    assert_conforms("getDatastoreSnapshotLocators", by_locators)
    assert api.ok(by_locations) == api.ok(by_locators)
    assert api.ok(by_locations)["snapshotLocationsList"]


@pytest.mark.parametrize(
    ("served", "unserved"), [("snapshotlocations", LOCATORS), ("snapshotlocators", LOCATIONS)]
)
def test_one_snapshot_location_path_can_be_served_alone(
    make_api: Callable[..., Api], served: str, unserved: str
) -> None:
    api = make_api(snapshot_path=served)
    backup = datastore_backup(api)
    served_path = f"/4.1/datastores/backups/{backup}/{served}"
    assert api.ok(api.get(served_path))["snapshotLocationsList"]
    assert "No endpoint" in error(api.get(unserved.format(backup)), 404)
    docs = json.loads(api.raw("GET", "/api/v3/api-docs").content)
    listed = [path for path in docs["paths"] if path.startswith("/4.1/datastores/backups/{")]
    assert f"/4.1/datastores/backups/{{backupId}}/{served}" in listed
    assert unserved.format("{backupId}") not in listed


def test_both_paths_are_in_the_api_description_by_default(api: Api) -> None:
    docs = json.loads(api.raw("GET", "/api/v3/api-docs").content)
    assert LOCATIONS.format("{backupId}") in docs["paths"]
    assert LOCATORS.format("{backupId}") in docs["paths"]


def test_the_variants_are_emulator_options() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    config = config_from(
        parser.parse_args(["--spelling", "translation", "--snapshot-path", "snapshotlocators"])
    )
    assert (config.spelling, config.snapshot_path) == ("translation", "snapshotlocators")
    defaults = config_from(parser.parse_args([]))
    assert (defaults.spelling, defaults.snapshot_path) == ("english", "both")
    with pytest.raises(UsageError, match="snapshot path"):
        EmulatorConfig(snapshot_path="snapshots").validate()
    with pytest.raises(UsageError, match="spelling"):
        EmulatorConfig(spelling="italian").validate()
