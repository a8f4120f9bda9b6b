"""`drift`: the appliance's own description against the contract, breaking differences first."""

from __future__ import annotations

import copy
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.calibrate.compare import BREAKING, NON_BREAKING, Difference
from conformance.calibrate.description import build_model
from conformance.calibrate.drift import drift
from conformance.calibrate.fetch import Description, candidate_urls
from conformance.cli import main
from conformance.contract.spec import load_contract
from conformance.emulator import EmbeddedEmulator, EmulatorConfig
from tests.runner.recording_proxy import recording_proxy

pytestmark = pytest.mark.integration

CONTRACT = load_contract()


def describe(document: dict[str, Any], kind: str = "OpenAPI 3.1.0") -> Description:
    return Description("test description", kind, document)


def differences(document: dict[str, Any]) -> list[Difference]:
    return drift(CONTRACT, describe(document), None).differences


def find(found: list[Difference], kind: str, operation_id: str) -> Difference:
    matches = [d for d in found if d.kind == kind and d.operation_id == operation_id]
    assert matches, f"no {kind} of {operation_id} in {[(d.kind, d.operation_id) for d in found]}"
    return matches[0]


def changed_contract() -> dict[str, Any]:
    """The contract as an appliance might describe it after an upgrade."""
    document = copy.deepcopy(CONTRACT.document)
    paths, schemas = document["paths"], document["components"]["schemas"]
    del paths["/4.1/jobs/{id}"]["get"]  # getJob gone
    schemas["Job"]["properties"]["progress"] = {"type": "string"}  # a response field retyped
    paths["/4.1/jobs"]["get"].setdefault("parameters", []).append(
        {"name": "page", "in": "query", "required": True, "schema": {"type": "integer"}}
    )  # a new required parameter
    schemas["PolicyRequest"]["required"].append("owner")  # a new required request field
    schemas["PolicyRequest"]["properties"]["owner"] = {"type": "string"}
    schemas["Policy"]["properties"]["createdBy"] = {"type": "string"}  # a field added
    paths["/4.1/health"] = {"get": {"operationId": "health", "responses": {"200": {}}}}
    # path parameters renamed: no difference
    logs = paths.pop("/4.1/jobs/{id}/logs")
    logs["parameters"] = [
        {
            "name": "jobId",
            "in": "path",
            "required": True,
            "schema": {"$ref": "#/components/schemas/Id"},
        }
    ]
    paths["/4.1/jobs/{jobId}/logs"] = logs
    return document


def test_the_contract_against_itself_has_no_difference() -> None:
    report = drift(CONTRACT, describe(copy.deepcopy(CONTRACT.document)), None)
    assert report.differences == []
    assert report.compared == len(CONTRACT.operations)


def test_every_kind_of_change_is_named_and_classified() -> None:
    found = differences(changed_contract())
    gone = find(found, "operation-gone", "getJob")
    assert gone.severity == BREAKING and gone.operation == "GET /4.1/jobs/{id}"
    retyped = [d for d in found if d.kind == "response-field-retyped"]
    # every answer that carries a job; getJob is gone altogether
    assert {d.operation_id for d in retyped} == {"getJobs", "failJobs"}
    listed = find(found, "response-field-retyped", "getJobs")
    assert listed.where == "response 200 `response.jobResponseList[].progress`"
    assert (listed.ours, listed.theirs) == ("integer", "string")
    assert listed.severity == BREAKING
    page = find(found, "parameter-added", "getJobs")
    assert page.severity == BREAKING and page.where == "query parameter `page`"
    owner = find(found, "request-field-added", "createPolicy")
    assert owner.severity == BREAKING and owner.where == "request `owner`"
    added = find(found, "response-field-added", "getPolicies")
    assert added.severity == NON_BREAKING
    health = [d for d in found if d.kind == "operation-added"]
    assert [d.operation for d in health] == ["GET /4.1/health"]
    assert not [d for d in found if "logs" in d.operation], "renamed path parameter"
    severities = [d.severity for d in found]
    assert severities == sorted(severities, key=lambda s: s != BREAKING), "breaking first"


def test_required_ness_changes_break_only_where_a_client_is_hurt() -> None:
    document = copy.deepcopy(CONTRACT.document)
    schemas = document["components"]["schemas"]
    schemas["Job"]["required"].remove("progress")  # a promised response field optional
    schemas["PolicyRequest"]["required"].remove("retention")  # a request field optional
    found = differences(document)
    optional = find(found, "response-field-optional", "getJob")
    assert optional.severity == BREAKING
    relaxed = find(found, "request-field-optional", "createPolicy")
    assert relaxed.severity == NON_BREAKING


SWAGGER = """
swagger: '2.0'
info: {title: SCV, version: 6.2.0}
basePath: /api
paths:
  /4.1/jobs/{jobId}:
    get:
      operationId: getJobUsingGET
      parameters:
        - {name: jobId, in: path, required: true, type: integer, format: int64}
        - {name: Token, in: header, required: true, type: string}
      responses:
        '200': {description: OK, schema: {$ref: '#/definitions/JobEnvelope'}}
        '401': {description: Unauthorized, schema: {$ref: '#/definitions/Envelope'}}
  /4.1/policies:
    post:
      operationId: createPolicyUsingPOST
      parameters:
        - {name: body, in: body, required: true, schema: {$ref: '#/definitions/PolicyRequest'}}
      responses:
        '200': {description: OK, schema: {$ref: '#/definitions/Envelope'}}
definitions:
  Envelope:
    type: object
    required: [statusCode, statusMessage]
    properties:
      statusCode: {type: integer}
      statusMessage: {type: string}
      responseMessage: {type: string}
      uri: {type: string}
  JobEnvelope:
    allOf:
      - $ref: '#/definitions/Envelope'
      - type: object
        properties:
          response: {$ref: '#/definitions/Job'}
  Job:
    type: object
    required: [id, status]
    properties:
      id: {type: integer, format: int64}
      status: {type: string}
      progress: {type: string}
      startTime: {type: string, format: date-time}
  PolicyRequest:
    type: object
    required: [name, frequency, retention, owner]
    properties:
      name: {type: string}
      frequency: {type: string}
      retention: {type: object}
      owner: {type: string}
"""


def test_a_swagger_2_description_is_read_into_the_same_model() -> None:
    model = build_model(yaml.safe_load(SWAGGER), "/api")
    assert model.kind == "Swagger 2.0" and model.version == "6.2.0"
    job = model.operations[("GET", "/4.1/jobs/{}")]
    assert set(job.parameters) == {("path", "{1}")}, "the Token header is no input"
    assert job.responses["200"]["response.id"].types == {"integer"}
    assert job.responses["200"]["statusCode"].required
    policy = model.operations[("POST", "/4.1/policies")]
    assert policy.request is not None and policy.request["owner"].required

    report = drift(CONTRACT, describe(yaml.safe_load(SWAGGER), "Swagger 2.0"), None)
    by_op = {(d.operation_id, d.kind, d.where) for d in report.differences}
    assert ("getJob", "response-field-retyped", "response 200 `response.progress`") in by_op
    assert ("getJob", "response-field-optional", "response 200 `response.startTime`") in by_op
    assert ("getJob", "response-field-gone", "response 200 `response.jobType`") in by_op
    assert ("createPolicy", "request-field-added", "request `owner`") in by_op
    assert ("getJobs", "operation-gone", "") in by_op
    assert not [d for d in report.differences if d.where.startswith("path parameter")]


def test_operations_newer_than_the_described_release_are_left_out() -> None:
    document = copy.deepcopy(CONTRACT.document)
    document["info"]["version"] = "4.5"
    newer = [op for op in CONTRACT.operations if not op.available_in("4.5")]
    assert newer, "the contract has operations after 4.5"
    for op in newer:
        del document["paths"][op.path][op.method]
    report = drift(CONTRACT, describe(document), None)
    assert report.differences == []
    assert report.left_out == sorted(op.operation_id for op in newer)


def test_the_usual_spring_locations_are_tried_below_the_base_and_the_root() -> None:
    urls = candidate_urls("https://scv.lab:8144/api")
    assert urls[:5] == [
        "https://scv.lab:8144/api/v3/api-docs",
        "https://scv.lab:8144/v3/api-docs",
        "https://scv.lab:8144/api/v2/api-docs",
        "https://scv.lab:8144/v2/api-docs",
        "https://scv.lab:8144/api/swagger.json",
    ]


# -- the command ---------------------------------------------------------------------------


def test_drift_from_a_file_prints_markdown_writes_both_files_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "api-docs.yaml"
    docs.write_text(yaml.safe_dump(changed_contract()))
    out = tmp_path / "drift"
    assert main(["drift", "--api-docs", str(docs), "--out", str(out)]) == 1
    console = capsys.readouterr().out
    assert console.index("## Breaking") < console.index("## Non-breaking")
    assert "`GET /4.1/jobs/{id}` (getJob)" in console
    assert (out / "drift.md").read_text() == console
    report = json.loads((out / "drift.json").read_text())
    assert report["breaking"] == len(
        [d for d in report["differences"] if d["severity"] == BREAKING]
    )
    assert report["description"]["format"] == "OpenAPI 3.1.0"
    assert {"severity", "kind", "operation", "operation_id", "where", "ours", "theirs"} <= set(
        report["differences"][0]
    )


def test_drift_without_a_breaking_difference_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = copy.deepcopy(CONTRACT.document)
    document["components"]["schemas"]["Policy"]["properties"]["createdBy"] = {"type": "string"}
    docs = tmp_path / "api-docs.json"
    docs.write_text(json.dumps(document))
    assert main(["drift", "--api-docs", str(docs)]) == 0
    assert "**0 breaking, 3 non-breaking differences.**" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("just: text\n", "neither OpenAPI 3.x nor Swagger 2.0"),
        ("[1, 2", "neither"),
    ],
)
def test_a_bad_api_docs_file_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    docs = tmp_path / "docs.yaml"
    if content is not None:
        docs.write_text(content)
    assert main(["drift", "--api-docs", str(docs)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_drift_needs_a_target_or_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drift"]) == 2
    assert "needs --target" in capsys.readouterr().err


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Iterator[EmbeddedEmulator]:
    overlays = getattr(request, "param", ())
    config = EmulatorConfig(port=0, tls=False, appliance_version="6.2", overlays=overlays)
    with EmbeddedEmulator(config) as running:
        yield running


def test_drift_reaches_the_emulator_and_reads_its_version(
    emulator: EmbeddedEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    root = emulator.base_url.removesuffix("/api")
    assert main(["drift", "--target", root]) == 0
    out = capsys.readouterr().out
    assert f"its description: {emulator.base_url}/v3/api-docs" in out
    assert "its description says version 6.2" in out


def test_drift_asks_the_appliance_through_the_proxy_with_the_extra_headers(
    emulator: EmbeddedEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = emulator.base_url.removesuffix("/api")
    with recording_proxy() as (proxy, seen):
        args = ["--target", root, "--proxy", proxy, "--header", "X-Api-Key: gateway-k3y"]
        assert main(["drift", *args, "--out", str(tmp_path)]) == 0
    asked = [(path, headers) for _, _, path, headers in seen.requests]
    assert asked and asked[-1][0] == f"{emulator.base_url}/v3/api-docs"
    for _, headers in asked:
        assert {k.lower(): v for k, v in headers.items()}["x-api-key"] == "gateway-k3y"
    assert "gateway-k3y" not in capsys.readouterr().out


GETJOB_GONE = {
    "overlay": "1.0.0",
    "info": {"title": "an appliance without getJob", "version": "1"},
    "actions": [{"target": "$.paths['/4.1/jobs/{id}'].get", "remove": True}],
}


def test_drift_names_a_change_made_to_the_emulators_description(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "no-getjob.yaml"
    overlay.write_text(yaml.safe_dump(GETJOB_GONE))
    config = EmulatorConfig(port=0, tls=False, overlays=(overlay,))
    with EmbeddedEmulator(config) as changed:
        code = main(["drift", "--target", changed.base_url, "--out", str(tmp_path)])
    assert code == 1
    out = capsys.readouterr().out
    report = json.loads((tmp_path / "drift.json").read_text())
    gone = [d for d in report["differences"] if d["kind"] == "operation-gone"]
    assert [d["operation_id"] for d in gone] == ["getJob"]
    assert "`GET /4.1/jobs/{id}` (getJob)" in out


def test_a_target_that_does_not_answer_is_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    config = EmulatorConfig(port=0, tls=False)
    with EmbeddedEmulator(config) as stopped:
        url = stopped.base_url
    assert main(["drift", "--target", url]) == 3
    err = capsys.readouterr().err
    assert "unreachable" in err and err.count("\n") == 1


class _NotFound(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_server_without_a_description_is_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert main(["drift", "--target", f"http://127.0.0.1:{server.server_port}"]) == 3
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    assert "no API description" in err and "--api-docs" in err and err.count("\n") == 1


class _Slow(_NotFound):
    def do_GET(self) -> None:
        time.sleep(3)
        super().do_GET()


def test_an_answer_slower_than_the_request_timeout_is_exit_3(
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        target = f"http://127.0.0.1:{server.server_port}"
        assert main(["drift", "--target", target, "--request-timeout", "0.5"]) == 3
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    assert "ReadTimeout" in err and err.count("\n") == 1


def test_drift_compares_with_the_overlaid_contract_and_names_idle_actions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        yaml.safe_dump(
            {
                **GETJOB_GONE,
                "actions": [
                    *GETJOB_GONE["actions"],
                    {"target": "$.paths['/4.1/nowhere']", "remove": True},
                    {"target": "$.workflows[?@.workflowId=='nowhere']", "remove": True},
                    {"target": "$.workflows[?@.workflowId=='addStorageVm']", "update": {}},
                ],
            }
        )
    )
    docs = tmp_path / "api-docs.json"
    docs.write_text(json.dumps(CONTRACT.document))
    # the appliance still has getJob, which the overlaid contract no longer knows
    assert main(["drift", "--api-docs", str(docs), "--overlay", str(overlay)]) == 0
    out = capsys.readouterr().out
    assert "`GET /4.1/jobs/{id}` (getJob) | - | the appliance describes an operation" in out
    idle = [line for line in out.splitlines() if "overlay action that selected nothing" in line]
    assert len(idle) == 2, idle
    assert "/4.1/nowhere" in idle[0] and "workflowId=='nowhere'" in idle[1]
