"""The contract itself: valid OpenAPI 3.1, the 55 operations, provenance, examples, links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from conformance.contract.spec import SPEC_PATH, load_contract

pytestmark = pytest.mark.unit

OPERATION_IDS = """
login addStorageSystem getSvmAll modifyStorageSystem deleteStorageSystem getPolicies
createPolicy updatePolicy deletePolicy getResourceGroups createResourceGroup
updateResourceGroup deleteResourceGroup backupResourceGroupNow getVmBackups
getVmSnapshotLocations getVmAvailableEsxHosts restoreVm getVmdkLocations
getBackupVmdkLocations getAvailableDatastores restoreVmdks attachVmdks detachVmdks
getDatastoreBackups getDatastoreSnapshotLocations getDatastoreSnapshotLocators
getDatastoreAvailableEsxHosts
mountDatastoreBackup getMountedDatastores unmountDatastore getJobs getJob getJobLogs
failJobs getProtectedVmReport getUnprotectedVmReport getSchedules modifySchedule
getAuditLogs getAuditLog verifyAuditLogs getAuditConfig updateAuditConfig updateSyslogCert
renameStorageSystem getConfiguration updateConfiguration getJobRetention updateJobRetention
cleanupBackupDatastores cleanupBackupDatastoresVersioned getVcenterRegistration
registerVcenter unregisterVcenter
""".split()

SINCE = {
    **{
        op: "4.4"
        for op in (
            "getJobs",
            "getJob",
            "getJobLogs",
            "getProtectedVmReport",
            "getUnprotectedVmReport",
        )
    },
    # "Beginning with SnapCenter Plug-in for VMware vSphere 4.5" (the page's first version)
    "failJobs": "4.5",
    **{op: "4.4" for op in ("cleanupBackupDatastores", "cleanupBackupDatastoresVersioned")},
    **{op: "4.7" for op in ("getJobRetention", "updateJobRetention")},
    **{op: "4.8" for op in ("getAuditLogs", "getAuditLog", "verifyAuditLogs")},
    **{op: "4.9" for op in ("getConfiguration", "updateConfiguration")},
    **{
        op: "5.0"
        for op in ("getAuditConfig", "updateAuditConfig", "updateSyslogCert", "renameStorageSystem")
    },
    **{op: "6.0" for op in ("getVcenterRegistration", "registerVcenter", "unregisterVcenter")},
}
CONTRACT = load_contract()
DOCUMENT = CONTRACT.document
URI = "urn:scv-contract"
REGISTRY: Registry = Registry().with_resource(URI, DRAFT202012.create_resource(DOCUMENT))


def pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validator_at(json_pointer: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": URI + json_pointer}, registry=REGISTRY, format_checker=FormatChecker()
    )


def examples() -> Iterator[tuple[str, str]]:
    """(label, JSON pointer of a media type object with an example) for the whole contract."""
    for path, item in DOCUMENT["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            body = op.get("requestBody", {}).get("content", {})
            for media in body:
                yield (
                    f"{op['operationId']} request",
                    pointer("paths", path, method, "requestBody", "content", media),
                )
            for status, response in op["responses"].items():
                for media in response.get("content", {}):
                    yield (
                        f"{op['operationId']} {status}",
                        pointer("paths", path, method, "responses", status, "content", media),
                    )
    for name, response in DOCUMENT["components"]["responses"].items():
        for media in response["content"]:
            yield f"response {name}", pointer("components", "responses", name, "content", media)


def resolve(json_pointer: str) -> Any:
    node: Any = DOCUMENT
    for part in json_pointer[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_contract_is_valid_openapi_3_1() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"
    validate(DOCUMENT)


def test_servers_use_the_appliance_base_url_and_port() -> None:
    (server,) = DOCUMENT["servers"]
    assert server["url"] == "https://{host}:{port}/api"
    assert server["variables"]["port"]["default"] == "8144"


def test_all_55_operations_are_there_with_their_operation_ids() -> None:
    assert sorted(CONTRACT.operation_ids()) == sorted(OPERATION_IDS)
    assert len(CONTRACT.operations) == 55


@pytest.mark.parametrize("operation", CONTRACT.operations, ids=lambda op: op.operation_id)
def test_every_operation_states_evidence_and_release(operation: Any) -> None:
    assert operation.evidence in {"doc", "client", "assumption"}
    assert operation.since == SINCE.get(operation.operation_id, "4.1")


@pytest.mark.parametrize("operation", CONTRACT.operations, ids=lambda op: op.operation_id)
def test_token_is_required_everywhere_but_login(operation: Any) -> None:
    security = operation.definition.get("security", DOCUMENT["security"])
    if operation.operation_id == "login":
        assert security == []
    else:
        assert security == [{"Token": []}]
        assert "401" in operation.definition["responses"]


def test_token_scheme_is_the_token_header() -> None:
    scheme = DOCUMENT["components"]["securitySchemes"]["Token"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Token"}


@pytest.mark.parametrize("label,json_pointer", list(examples()), ids=lambda v: str(v))
def test_every_example_validates_against_its_schema(label: str, json_pointer: str) -> None:
    media = resolve(json_pointer)
    assert "example" in media, f"{label} has no example"
    errors = list(validator_at(json_pointer + "/schema").iter_errors(media["example"]))
    assert not errors, f"{label}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_every_operation_has_an_example_of_its_success_answer() -> None:
    labels = {label for label, _ in examples()}
    for op in CONTRACT.operations:
        assert f"{op.operation_id} 200" in labels, op.operation_id
        if "requestBody" in op.definition:
            assert f"{op.operation_id} request" in labels, op.operation_id


@pytest.mark.parametrize("operation", CONTRACT.operations, ids=lambda op: op.operation_id)
def test_errors_use_the_envelope(operation: Any) -> None:
    for status, response in operation.definition["responses"].items():
        if int(status) >= 400:
            assert response["$ref"].startswith("#/components/responses/")


def test_uri_is_null_when_present_and_response_and_uri_are_optional() -> None:
    envelope = DOCUMENT["components"]["schemas"]["Envelope"]
    assert envelope["properties"]["uri"] == {**envelope["properties"]["uri"], "type": "null"}
    assert not {"uri", "response"} & set(envelope["required"])
    assert not _valid("Envelope", {**ENVELOPE_OK, "uri": "/api/4.1/policies"})


@pytest.mark.parametrize("message", ["Done", ["Done", "Really"], [], None])
def test_response_message_is_a_string_a_list_of_strings_or_null(message: Any) -> None:
    assert _valid("Envelope", {**ENVELOPE_OK, "responseMessage": message})


@pytest.mark.parametrize("message", [42, [42], {"text": "Done"}])
def test_response_message_of_another_shape_is_refused(message: Any) -> None:
    assert not _valid("Envelope", {**ENVELOPE_OK, "responseMessage": message})


def test_the_documented_rename_answer_is_the_contract_s_example_and_validates() -> None:
    """Verbatim from rename_storage.adoc: no `response`, no `uri`, a list as message."""
    documented = {
        "statusMessage": "OK",
        "statusCode": 200,
        "responseMessage": ["Storage system renamed successfully."],
    }
    patch = DOCUMENT["paths"]["/4.1/storage-system"]["patch"]
    assert patch["operationId"] == "renameStorageSystem"
    answer = patch["responses"]["200"]["content"]["application/json"]
    assert answer["example"] == documented
    assert validator_at(
        pointer(
            "paths",
            "/4.1/storage-system",
            "patch",
            "responses",
            "200",
            "content",
            "application/json",
            "schema",
        )
    ).is_valid(documented)
    request = patch["requestBody"]["content"]["application/json"]["example"]
    assert set(request) == {"existingSVM", "newSVM"}
    assert all(set(v) == {"name"} for v in request.values())


def test_error_envelopes_need_a_message_and_no_payload() -> None:
    error = {**ENVELOPE_OK, "statusCode": 404, "statusMessage": "NOT_FOUND"}
    assert _valid("ErrorEnvelope", {**error, "responseMessage": "Policy 9 not found"})
    assert _valid("ErrorEnvelope", {**error, "responseMessage": ["Policy 9 not found"]})
    assert not _valid("ErrorEnvelope", {**error, "responseMessage": []})
    assert not _valid("ErrorEnvelope", {**error, "responseMessage": None})
    assert not _valid("ErrorEnvelope", {**error, "responseMessage": "x", "response": {}})


def _path_parameters() -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in DOCUMENT["paths"].items():
        for parameter in item.get("parameters", []):
            if "$ref" in parameter:
                parameter = resolve(parameter["$ref"])
            yield f"{path} {parameter['name']}", parameter


VALID_PATH_VALUES = (
    "vm-42",
    "datastore-17",
    "audit-2022-12-15-16-28-01.log.gz",
    "4207a5c4-3c1e-9d2b-7f10-5e6a1b2c3d01",
    "42",
)


@pytest.mark.parametrize("label,parameter", list(_path_parameters()), ids=lambda v: str(v))
@pytest.mark.parametrize("char", list("+.%&"))
def test_path_parameters_exclude_the_forbidden_characters(
    label: str, parameter: dict[str, Any], char: str
) -> None:
    """Unless the parameter says the documentation needs the character there."""
    schema = parameter["schema"]
    validator = _validator_for(schema)
    accepted = [value for value in VALID_PATH_VALUES if validator.is_valid(_typed(value, schema))]
    assert accepted, f"{label} accepts none of {VALID_PATH_VALUES}"
    allowed = parameter.get("x-scv-allowed-characters", "")
    for value in accepted:
        tainted = value[:2] + char + value[2:]
        assert validator.is_valid(tainted) == (char in allowed), f"{label}: {tainted!r}"


def test_only_the_audit_file_name_allows_a_dot_and_takes_the_documented_names() -> None:
    allowing = {
        label: p["x-scv-allowed-characters"]
        for label, p in _path_parameters()
        if "x-scv-allowed-characters" in p
    }
    assert allowing == {"/4.1/audit/logs/{filename} filename": "."}
    (parameter,) = DOCUMENT["paths"]["/4.1/audit/logs/{filename}"]["parameters"]
    validator = _validator_for(parameter["schema"])
    for name in ("audit.log", "audit-2022-12-15-16-28-01.log.gz"):
        assert validator.is_valid(name), name


def _validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    if "oneOf" in schema:
        schema = {"oneOf": [{"$ref": URI + s["$ref"]} for s in schema["oneOf"]]}
    elif "$ref" in schema:
        schema = {"$ref": URI + schema["$ref"]}
    return Draft202012Validator(schema, registry=REGISTRY)


def _typed(value: str, schema: dict[str, Any]) -> Any:
    """Path values arrive as text; integer parameters take the number."""
    return int(value) if value.isdigit() and "Id" in schema.get("$ref", "") else value


def test_links_name_existing_operations_and_parameters() -> None:
    ids = set(CONTRACT.operation_ids())
    count = 0
    for op in CONTRACT.operations:
        for response in op.definition["responses"].values():
            for name, link in response.get("links", {}).items():
                if "$ref" in link:
                    link = resolve(link["$ref"])
                count += 1
                assert link["operationId"] in ids, name
                target = CONTRACT.operation(link["operationId"])
                item = DOCUMENT["paths"][target.path]
                params = [
                    resolve(p["$ref"]) if "$ref" in p else p
                    for p in item.get("parameters", []) + target.definition.get("parameters", [])
                ]
                names = {p["name"] for p in params}
                assert set(link.get("parameters", {})) <= names, name
                if "requestBody" in link:
                    assert "requestBody" in target.definition, name
    assert count >= 20


def test_named_fields_are_spelled_as_the_documentation_spells_them() -> None:
    text = SPEC_PATH.read_text()
    for field in (
        "resourceGroupResponseList",
        "policyResponseList",
        "snapshotLocationsList",
        "availableEsxHostsList",
        "AvailableEsxHostsList",
        "vmdkLocationsList",
        "DatastoreNameList",
        "restoreLocations",
        "restartVM",
        "vmdkRestoreLocations",
        "restoreFromLocation",
        "vmdkToRestore",
        "restoreToDatastore",
        "vmdkLocations",
        "alternateVmMoref",
        "vmdksToDetach",
        "esxHostName",
    ):
        assert re.search(rf"\b{field}:", text), field


def test_traceability_table_names_existing_operations() -> None:
    readme = (Path(SPEC_PATH).parent / "README.md").read_text()
    rows = [line for line in readme.splitlines() if re.match(r"^\| \d+ \|", line)]
    workflows = {int(row.split("|")[1]) for row in rows}
    assert workflows == set(range(1, 18))
    ids = set(CONTRACT.operation_ids())
    for row in rows:
        named = re.findall(r"`(\w+)`", row.split("|")[-2])
        assert named and set(named) <= ids, row


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys, which PyYAML silently overwrites."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    keys = [loader.construct_object(key) for key, _ in node.value]
    duplicated = {k for k in keys if keys.count(k) > 1}
    assert not duplicated, f"duplicate keys {duplicated} at line {node.start_mark.line + 1}"
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def test_contract_has_no_duplicate_keys() -> None:
    assert yaml.load(SPEC_PATH.read_text(), Loader=_StrictLoader)["openapi"] == "3.1.0"


@pytest.mark.parametrize("operation", CONTRACT.operations, ids=lambda op: op.operation_id)
def test_operations_with_input_document_400(operation: Any) -> None:
    item = DOCUMENT["paths"][operation.path]
    takes_input = bool(
        item.get("parameters")
        or operation.definition.get("parameters")
        or operation.definition.get("requestBody")
    )
    assert ("400" in operation.definition["responses"]) == takes_input


def test_every_x_evidence_value_is_known() -> None:
    values: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "x-evidence" in node:
                values.append(node["x-evidence"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(DOCUMENT)
    assert len(values) > 44
    assert set(values) <= {"doc", "client", "assumption"}


def _valid(schema_name: str, value: Any) -> bool:
    return validator_at(pointer("components", "schemas", schema_name)).is_valid(value)


ENVELOPE_OK = {"statusCode": 200, "statusMessage": "OK", "responseMessage": None, "uri": None}


@pytest.mark.parametrize("key", ["availableEsxHostsList", "AvailableEsxHostsList"])
def test_esx_host_lists_are_accepted_in_either_spelling(key: str) -> None:
    assert _valid("EsxHostListEnvelope", {**ENVELOPE_OK, "response": {key: ["esx01"]}})


def test_an_esx_host_list_under_neither_spelling_is_refused() -> None:
    assert not _valid("EsxHostListEnvelope", {**ENVELOPE_OK, "response": {"hosts": ["esx01"]}})


def test_a_vmdk_restore_sends_the_english_spelling_only() -> None:
    item = resolve(pointer("paths", "/4.1/vm/{moref}/backups/{backupId}/restorevmdks"))
    example = item["post"]["requestBody"]["content"]["application/json"]["example"]
    (location,) = example["vmdkRestoreLocations"]
    assert _valid("VmdkRestoreLocation", location)
    assert "restoreToDatastore" in location
    translated = {k: v for k, v in location.items() if k != "restoreToDatastore"}
    assert not _valid("VmdkRestoreLocation", {**translated, "restoreToDatestore": "nfs_ds01"})


@pytest.mark.parametrize(
    ("first", "second", "evidence"),
    [
        ("getDatastoreSnapshotLocations", "getDatastoreSnapshotLocators", {"doc"}),
        ("cleanupBackupDatastores", "cleanupBackupDatastoresVersioned", {"doc", "assumption"}),
    ],
)
def test_alternative_operations_name_each_other_and_share_their_answer(
    first: str, second: str, evidence: set[str]
) -> None:
    pairs = {op.operation_id: op.alternative_of for op in CONTRACT.operations if op.alternative_of}
    assert set(pairs) == {
        "getDatastoreSnapshotLocations",
        "getDatastoreSnapshotLocators",
        "cleanupBackupDatastores",
        "cleanupBackupDatastoresVersioned",
    }
    assert (pairs[first], pairs[second]) == (second, first)
    one, other = CONTRACT.operation(first), CONTRACT.operation(second)
    assert one.method == other.method
    assert one.path.rsplit("/", 1)[0].removeprefix("/4.1") == other.path.rsplit("/", 1)[
        0
    ].removeprefix("/4.1")

    def answers(op: Any) -> dict[str, Any]:
        return {s: r.get("content", r.get("$ref")) for s, r in op.definition["responses"].items()}

    assert answers(one) == answers(other)
    assert {one.evidence, other.evidence} == evidence
    assert one.definition["x-evidence-source"] and other.definition["x-evidence-source"]


def test_the_backup_cleanup_is_the_documented_path_and_the_prefixed_one() -> None:
    documented = CONTRACT.operation("cleanupBackupDatastores")
    prefixed = CONTRACT.operation("cleanupBackupDatastoresVersioned")
    assert (documented.path, prefixed.path) == (
        "/backup/{backupId}/cleanup",
        "/4.1/backup/{backupId}/cleanup",
    )
    assert documented.evidence == "doc" and prefixed.evidence == "assumption"
    assert "scpivs44_unmount_a_backup.adoc" in documented.definition["x-evidence-source"]


def test_the_withdrawn_page_carries_no_more_than_an_assumption() -> None:
    for operation_id in ("getConfiguration", "updateConfiguration"):
        operation = CONTRACT.operation(operation_id)
        assert operation.evidence == "assumption"
        assert "withdrawn" in operation.definition["x-evidence-source"]
    entry = DOCUMENT["components"]["schemas"]["ConfigurationEntry"]
    assert entry["x-evidence"] == "assumption"
    assert set(entry["properties"]) == {"configurationName", "configurationValue", "objectType"}


def test_job_retention_defaults_are_the_documented_ones() -> None:
    answer = DOCUMENT["paths"]["/4.1/jobs/cleanup"]["get"]["responses"]["200"]
    example = answer["content"]["application/json"]["example"]["response"]
    assert example == {"jobRetentionDays": 90, "jobLogRetentionDays": 30}


def test_secondary_protection_names_no_field_it_does_not_know() -> None:
    request = DOCUMENT["components"]["schemas"]["ResourceGroupRequest"]
    (point,) = request["x-scv-extension-points"]
    assert (point["name"], point["since"], point["x-evidence"]) == (
        "secondaryProtection",
        "6.1",
        "doc",
    )
    assert set(request["properties"]) == {
        "name",
        "description",
        "entities",
        "spanningDatastores",
        "policies",
        "notification",
    }


def test_rename_is_a_state_changing_5_0_operation() -> None:
    rename = CONTRACT.operation("renameStorageSystem")
    assert (rename.method, rename.path, rename.since) == ("patch", "/4.1/storage-system", "5.0")
    assert rename.mutates
    assert not rename.available_in("4.10") and rename.available_in("5.0")
    assert {"400", "401", "404", "409"} <= set(rename.definition["responses"])


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-27T10:01:12Z",
        "2026-11-27T10:01:12.123+01:00",
        "2026-11-27T10:01:12",
        "11/27/2026 03:15:02 AM",
        "1/5/2026 3:15:02 PM",
    ],
)
def test_times_are_iso_8601_or_the_us_format_a_client_parses(value: str) -> None:
    assert _valid("Timestamp", value)


@pytest.mark.parametrize(
    "value", ["27/11/2026 03:15:02", "11/27/2026 15:15:02", "yesterday", "2026-11-27"]
)
def test_other_time_formats_are_refused(value: str) -> None:
    assert not _valid("Timestamp", value)


@pytest.mark.parametrize(
    "entity",
    [
        "vm-101",
        "datastore-201",
        "group-v301",
        "urn:vmomi:InventoryServiceTag:5f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b:GLOBAL",
    ],
)
def test_resource_groups_may_hold_vms_datastores_folders_and_tags(entity: str) -> None:
    assert _valid("EntityMoref", entity)
    group = {"name": "G", "entities": [entity], "policies": [{"id": 1}]}
    assert _valid("ResourceGroupRequest", group)


def test_the_five_documented_integrity_states_and_no_others() -> None:
    states = DOCUMENT["components"]["schemas"]["AuditIntegrityStatus"]["enum"]
    assert states == ["ACTIVE", "NORMAL", "TAMPERED", "ROLLOVER DELETE", "UNEXPECTED DELETE"]
    assert not _valid("AuditIntegrityStatus", "VERIFIED")


@pytest.mark.parametrize(
    "moref", ["datastore-1001", ["datastore-1001"], ["datastore-1001", "datastore-1002"]]
)
def test_unmount_takes_one_moref_or_several(moref: Any) -> None:
    assert _valid("UnmountRequest", {"moref": moref})


@pytest.mark.parametrize("moref", [[], ["datastore-1001", "datastore-1001"], ["vm-1"]])
def test_unmount_refuses_an_empty_repeated_or_foreign_list(moref: Any) -> None:
    assert not _valid("UnmountRequest", {"moref": moref})


CONSTRAINTS = {
    "required",
    "additionalProperties",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "uniqueItems",
    "oneOf",
    "anyOf",
}
#: Keywords that no document or client can prove: always an assumption, always marked.
ALWAYS_ASSUMED = {"additionalProperties", "maxLength", "maxItems", "uniqueItems"}


def _constrained_nodes() -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """(where, schema node, effective x-evidence) for every node with a constraint keyword."""

    def walk(node: Any, where: str, evidence: str | None) -> Iterator[Any]:
        if isinstance(node, dict):
            evidence = node.get("x-evidence", evidence)
            if CONSTRAINTS & set(node):
                yield where, node, evidence
            for key, child in node.items():
                if key not in ("example", "examples", "x-assumptions", "x-scv-business-rules"):
                    yield from walk(child, f"{where}/{key}", evidence)
        elif isinstance(node, list):
            for index, child in enumerate(node):
                yield from walk(child, f"{where}[{index}]", evidence)

    for name, schema in DOCUMENT["components"]["schemas"].items():
        yield from walk(schema, name, None)
    for label, parameter in _path_parameters():
        yield from walk(parameter["schema"], label, parameter.get("x-evidence"))
    for op in CONTRACT.operations:
        for parameter in op.definition.get("parameters", []):
            where = f"{op.operation_id} {parameter['name']}"
            yield from walk(parameter["schema"], where, parameter.get("x-evidence"))


def _assumed(node: dict[str, Any], evidence: str | None) -> set[str]:
    if evidence == "assumption":
        return set(node) & CONSTRAINTS
    return {item["keyword"] for item in node.get("x-assumptions", [])}


def test_every_constraint_carries_its_evidence() -> None:
    unmarked = [where for where, _, evidence in _constrained_nodes() if evidence is None]
    assert unmarked == []


def test_constraints_no_evidence_can_prove_are_marked_assumption() -> None:
    unmarked = []
    for where, node, evidence in _constrained_nodes():
        keywords = ALWAYS_ASSUMED & set(node)
        if "additionalProperties" in keywords and node["additionalProperties"] is not False:
            keywords.discard("additionalProperties")
        unmarked += [f"{where} {k}" for k in sorted(keywords - _assumed(node, evidence))]
    assert unmarked == []


def test_x_assumptions_name_keywords_the_schema_has() -> None:
    count = 0
    for where, node, _ in _constrained_nodes():
        for item in node.get("x-assumptions", []):
            count += 1
            assert item["keyword"] in node, f"{where}: {item['keyword']}"
            assert item["text"].strip(), where
            if "values" in item:
                assert set(item["values"]) <= set(node[item["keyword"]]), where
    assert count > 40


def test_error_answers_are_marked_as_assumed() -> None:
    for name, response in DOCUMENT["components"]["responses"].items():
        assert response["x-evidence"] == "assumption", name
