"""What an appliance's description settles of the reconstructed operations and extension points,
and how ``learn`` adapts to their answers."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conformance.calibrate.adapt import adapt
from conformance.calibrate.compare import BREAKING, NON_BREAKING, Difference
from conformance.calibrate.drift import drift
from conformance.calibrate.explore import Answer
from conformance.calibrate.fetch import Description
from conformance.calibrate.settled import UNCONFIRMED
from conformance.contract.spec import load_contract

pytestmark = pytest.mark.unit

CONTRACT = load_contract()


def described(document: dict[str, Any], version: str = "6.2") -> list[Difference]:
    document["info"]["version"] = version
    return drift(CONTRACT, Description("test", "OpenAPI 3.1.0", document), None).differences


def of(found: list[Difference], operation_id: str) -> list[Difference]:
    return [d for d in found if d.operation_id == operation_id]


def test_a_reconstructed_operation_described_elsewhere_is_not_breaking_and_is_named() -> None:
    document = copy.deepcopy(CONTRACT.document)
    paths = document["paths"]
    moved = paths.pop("/4.1/configurations")
    moved["put"]["operationId"] = "updateConfigKey"
    paths["/4.1/configuration/configurations/update"] = {"put": moved.pop("put")}
    found = described(document)
    (gone,) = of(found, "updateConfiguration")
    assert (gone.severity, gone.kind) == (NON_BREAKING, UNCONFIRMED)
    assert "PUT /4.1/configuration/configurations/update (updateConfigKey)" in gone.message
    (read,) = of(found, "getConfiguration")
    assert read.severity == NON_BREAKING and "no operation that looks like it" in read.message
    assert not [d for d in found if d.severity == BREAKING]


def test_one_of_two_alternative_paths_is_enough() -> None:
    document = copy.deepcopy(CONTRACT.document)
    del document["paths"]["/backup/{backupId}/cleanup"]
    found = described(document)
    (gone,) = of(found, "cleanupBackupDatastores")
    assert gone.severity == NON_BREAKING
    assert "describes cleanupBackupDatastoresVersioned" in gone.message
    # both gone: the documented one is a promise broken
    del document["paths"]["/4.1/backup/{backupId}/cleanup"]
    found = described(document)
    assert of(found, "cleanupBackupDatastores")[0].severity == BREAKING
    assert of(found, "cleanupBackupDatastoresVersioned")[0].severity == NON_BREAKING


def test_a_documented_operation_gone_stays_breaking() -> None:
    document = copy.deepcopy(CONTRACT.document)
    del document["paths"]["/4.1/jobs/cleanup"]["get"]
    (gone,) = of(described(document), "getJobRetention")
    assert (gone.severity, gone.kind) == (BREAKING, "operation-gone")


@pytest.mark.parametrize(("version", "settles"), [("6.1", True), ("6.0", False)])
def test_fields_a_6_1_appliance_describes_for_secondary_protection_settle_the_extension_point(
    version: str, settles: bool
) -> None:
    document = copy.deepcopy(CONTRACT.document)
    request = document["components"]["schemas"]["ResourceGroupRequest"]
    request["properties"]["secondaryProtectionPolicy"] = {"type": "string"}
    found = [d for d in described(document, version) if d.kind == "request-field-added"]
    assert {d.operation_id for d in found} == {"createResourceGroup", "updateResourceGroup"}
    for difference in found:
        assert ("secondaryProtection extension point (6.1)" in difference.message) is settles


def test_learn_adapts_the_contract_to_a_job_retention_answered_under_other_names() -> None:
    body = {
        "statusCode": 200,
        "statusMessage": "OK",
        "responseMessage": None,
        "response": {"jobRetention": 90, "jobLogRetention": 30},
    }
    answer = Answer(
        "getJobRetention",
        "get",
        "/4.1/jobs/cleanup",
        "https://scv.test:8144/api/4.1/jobs/cleanup",
        200,
        body,
        True,
    )
    adaptation = adapt(CONTRACT.document, [answer], "4.7")
    assert adaptation.actions and not adaptation.unfitting
    schema = adaptation.document["components"]["schemas"]["JobRetentionEnvelope"]
    root = {**schema, "components": adaptation.document["components"]}
    assert not list(Draft202012Validator(root).iter_errors(body))
    original = {**schema, "components": CONTRACT.document["components"]}
    assert list(Draft202012Validator(original).iter_errors(body))
