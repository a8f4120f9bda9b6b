"""Storage systems follow the client evidence; a Spring appliance's tolerance is graded fairly.

The request model is what NetApp's Ansible role sends; answers take either spelling of the
user name and none at all; a 200 to a body with a field the contract does not name (Spring
ignores it) is a deviation, never a failure; what rests only on the health-check script's
never-called jobs code is an assumption.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.contract.answers import AnswerJudge
from conformance.contract.evidence import without_assumptions
from conformance.contract.grading import NEGATIVE_DATA, Answered, Grader, Sent
from conformance.contract.spec import load_contract
from conformance.core.settings import add_target_arguments, resolve
from conformance.scenarios.inventory import resolve_inventory

pytestmark = pytest.mark.unit

CONTRACT = load_contract()
SCHEMAS = CONTRACT.document["components"]["schemas"]
JUDGE = AnswerJudge(CONTRACT.document)
RELAXED = AnswerJudge(without_assumptions(CONTRACT.document))
GRADER = Grader(CONTRACT)
PATH = "/4.1/storage-system"
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
#: The Ansible role's body (its example variables), key for key.
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
ACCEPTED = Answered(200, "application/json", '{"statusCode": 200}')


def problem(method: str, body: Any, judge: AnswerJudge = JUDGE) -> str | None:
    return judge.request_problem(PATH, method, body=body, has_body=True, parameters={})


@pytest.mark.parametrize("method", ["post", "put"])
def test_the_request_model_is_the_clients_field_for_field(method: str) -> None:
    request = SCHEMAS["StorageSystemRequest"]
    assert request["x-evidence"] == "client"
    assert set(request["properties"]) == {*ROLE_BODY, "type"}
    assert problem(method, ROLE_BODY) is None
    operation = CONTRACT.operation(
        "addStorageSystem" if method == "post" else "modifyStorageSystem"
    )
    example = operation.definition["requestBody"]["content"]["application/json"]["example"]
    assert set(example) == set(ROLE_BODY), "the examples send the client-proven body"


def test_type_is_ours_and_optional() -> None:
    request = SCHEMAS["StorageSystemRequest"]
    assert "type" not in request["required"]
    assert SCHEMAS["StorageSystemType"]["x-evidence"] == "assumption"
    assert problem("post", {**ROLE_BODY, "type": "CLUSTER"}) is None


def test_a_lower_case_username_breaks_only_our_assumptions() -> None:
    body = {k: v for k, v in ROLE_BODY.items() if k != "userName"} | {"username": "admin"}
    assert problem("post", body) is not None
    assert problem("post", body, RELAXED) is None
    sent = Sent(PATH, "post", body, True)
    assert GRADER.is_deviation(NEGATIVE_DATA, sent, ACCEPTED)


def test_a_200_to_a_body_with_an_unknown_field_is_a_deviation_never_a_failure() -> None:
    for body in ({**ROLE_BODY, "certificate": "..."}, {**ROLE_BODY, "certficate": None}):
        assert GRADER.is_deviation(NEGATIVE_DATA, Sent(PATH, "post", body, True), ACCEPTED)
    nameless = {k: v for k, v in ROLE_BODY.items() if k != "name"}
    assert not GRADER.is_deviation(NEGATIVE_DATA, Sent(PATH, "post", nameless, True), ACCEPTED), (
        "a storage system without a name is no request the documentation allows"
    )


def _listed(*systems: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "statusMessage": "OK",
        "responseMessage": None,
        "response": {"storageSystemResponseList": list(systems)},
    }


BASE = {"name": "svm-a", "type": "SVM", "protocol": "HTTPS", "port": 443, "timeout": 60}


@pytest.mark.parametrize(
    "user",
    [{"userName": "vsadmin"}, {"username": "vsadmin"}, {}, {"userName": None}, {"userName": "-"}],
    ids=["userName", "username", "none", "null", "hyphen"],
)
def test_answers_take_either_spelling_of_the_user_and_none(user: dict[str, Any]) -> None:
    documented = JUDGE.documented(PATH, "get", 200)
    assert documented is not None
    assert JUDGE.body_problem(documented, "application/json", _listed({**BASE, **user})) is None


def test_the_certificate_fields_are_described_not_invented() -> None:
    request = SCHEMAS["StorageSystemRequest"]
    assert "certificate and private key" in request["description"]
    assert not {k for k in request["properties"] if "cert" in k.lower() or "key" in k.lower()}
    assumed = {a["keyword"]: a for a in request["x-assumptions"]}
    assert set(assumed["required"]["values"]) == {"userName", "password"}


def test_what_rests_on_the_health_check_scripts_jobs_code_is_an_assumption() -> None:
    assert SCHEMAS["Timestamp"]["x-evidence"] == "assumption"
    (type_filter,) = [
        p for p in CONTRACT.operation("getJobs").definition["parameters"] if p["name"] == "type"
    ]
    assert type_filter["x-evidence"] == "assumption"
    assert "never called" in type_filter["x-evidence-source"]


def test_fail_jobs_is_4_5() -> None:
    assert CONTRACT.operation("failJobs").since == "4.5"
    assert CONTRACT.operation("getJobs").since == "4.4"


def test_the_storage_user_and_platform_of_workflows_1_and_2_come_from_the_inventory(
    tmp_path: Path,
) -> None:
    config = tmp_path / "lab.toml"
    config.write_text(
        'target = "https://scv.lab:8144"\n[inventory]\nstorage_system = "svm-ci01"\n'
        'storage_username = "svc-backup"\nstorage_platform_type = "FAS"\n'
    )
    parser = argparse.ArgumentParser()
    add_target_arguments(parser)
    settings = resolve(parser.parse_args(["--config", str(config)]), {})
    for name in ("01-add-storage-vm", "02-modify-storage-vm"):
        document = yaml.safe_load((SCENARIOS / f"{name}.arazzo.yaml").read_text())
        workflow = document["workflows"][0]
        wanted = list(workflow["inputs"]["properties"])
        inputs = resolve_inventory(settings.inventory, wanted, None)
        assert inputs["storage_username"] == "svc-backup", name
        assert inputs["storage_platform_type"] == "FAS", name
        sending = [
            s
            for s in workflow["steps"]
            if s.get("operationId") in ("addStorageSystem", "modifyStorageSystem")
        ]
        assert sending, name
        for step in sending:
            payload = step["requestBody"]["payload"]
            assert set(payload) == set(ROLE_BODY), "the client-proven body"
            assert payload["userName"] == "$inputs.storage_username"
            assert payload["platformType"] == "$inputs.storage_platform_type"


@pytest.mark.parametrize(
    "change",
    [{"port": "443"}, {"userName": 123}, {"asup": "true"}, {"timeout": 120.7}, {"name": 42}],
    ids=["digit string", "number as text", "text boolean", "fraction", "number name"],
)
def test_a_200_to_a_value_jackson_reads_as_the_right_type_is_a_deviation(
    change: dict[str, Any],
) -> None:
    body = {**ROLE_BODY, **change}
    assert problem("post", body) is not None
    assert GRADER.is_deviation(NEGATIVE_DATA, Sent(PATH, "post", body, True), ACCEPTED)


@pytest.mark.parametrize(
    "change",
    [{"port": "https"}, {"asup": "yes"}, {"userName": ["admin"]}, {"name": {"n": 1}}],
    ids=["word for a number", "word for a boolean", "list for a text", "object for a name"],
)
def test_a_200_to_a_value_jackson_refuses_stays_a_failure(change: dict[str, Any]) -> None:
    body = {**ROLE_BODY, **change}
    assert not GRADER.is_deviation(NEGATIVE_DATA, Sent(PATH, "post", body, True), ACCEPTED)
