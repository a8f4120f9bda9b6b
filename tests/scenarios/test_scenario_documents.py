"""Every scenario document passes the loader's own checks (the validation against the
pinned Arazzo 1.0 JSON Schema, which is fetched, is in test_arazzo_schema.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.contract.spec import load_contract
from conformance.scenarios import loader
from conformance.scenarios.arazzo import schema
from conformance.scenarios.arazzo.schema import SchemaUnavailable
from conformance.scenarios.failures import ScenarioDocumentError

pytestmark = pytest.mark.unit

FILES = loader.scenario_files()
DOCUMENTED_WORKFLOWS = 17
#: Documents for the calls the documentation names outside a workflow (configuration,
#: vCenter registration), numbered after the documented workflows.
OTHER_DOCUMENTS = 2


def test_one_document_per_documented_workflow() -> None:
    assert len(FILES) == DOCUMENTED_WORKFLOWS + OTHER_DOCUMENTS
    numbers = [int(path.name[:2]) for path in FILES]
    assert numbers == list(range(1, DOCUMENTED_WORKFLOWS + OTHER_DOCUMENTS + 1))
    for path in FILES[:DOCUMENTED_WORKFLOWS]:
        summary = loader.load(path).data["info"]["summary"]
        assert summary.startswith(f"Documented workflow {int(path.name[:2])}"), path.name


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_scv_steps_name_contract_operations(path: Path) -> None:
    document = loader.load(path)
    contract_ids = set(load_contract().operation_ids())
    assert document.data["arazzo"] == "1.0.1"
    for workflow in document.workflows:
        for step in workflow.operation_steps():
            operation = document.operation(step["operationId"])
            if operation.source == "scv":
                assert operation.operation_id in contract_ids
            if len(document.sources) > 1:
                assert step["operationId"].startswith("$sourceDescriptions.")


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "scenarios"
    directory.mkdir()
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("scv.openapi.yaml", "vcenter.openapi.yaml"):
        (specs / name).write_text((loader.SCENARIO_DIR.parent / "specs" / name).read_text())
    return directory


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            "operationId: getPolicies => operationId: getPolicys",
            "no operation 'getPolicys' in source 'scv'",
        ),
        (
            "value: $steps.backupNow.outputs.jobId => value: $steps.vmBackups.outputs.jobId",
            "$steps.vmBackups is not an earlier step",
        ),
        (
            "value: $steps.backupNow.outputs.jobId => value: $step.backupNow.outputs.jobId",
            "not a runtime expression",
        ),
        (
            "condition: $statusCode == 200 => condition: $statusCode === 200",
            "cannot read condition",
        ),
        (
            "x-scv-requires: [vm, datastore] => x-scv-requires: [vm, datastores]",
            "unknown inventory 'datastores'",
        ),
    ],
)
def test_loader_names_the_problem(scenario_dir: Path, change: str, expected: str) -> None:
    source = loader.SCENARIO_DIR / "05-backup-on-demand.arazzo.yaml"
    old, new = change.split(" => ")
    text = source.read_text()
    assert old in text
    target = scenario_dir / "broken.arazzo.yaml"
    target.write_text(text.replace(old, new, 1))
    problems = loader.check_file(target)
    assert any(expected in p for p in problems), problems
    with pytest.raises(ScenarioDocumentError, match=r"broken\.arazzo\.yaml"):
        loader.load(target)


def test_goto_to_an_unknown_step_is_refused(scenario_dir: Path) -> None:
    data = yaml.safe_load(
        (loader.SCENARIO_DIR / "03-create-resource-group.arazzo.yaml").read_text()
    )
    data["workflows"][0]["steps"][1]["onSuccess"] = [
        {"name": "elsewhere", "type": "goto", "stepId": "nowhere"}
    ]
    target = scenario_dir / "goto.arazzo.yaml"
    target.write_text(yaml.safe_dump(data))
    assert any("unknown step nowhere" in p for p in loader.check_file(target))


def test_not_yaml_is_one_line(scenario_dir: Path) -> None:
    target = scenario_dir / "bad.arazzo.yaml"
    target.write_text("workflows: [\n")
    with pytest.raises(ScenarioDocumentError, match=r"bad.arazzo.yaml: not valid YAML at line"):
        loader.load(target)


def test_missing_schema_is_reported_with_the_fetch_hint(tmp_path: Path) -> None:
    with pytest.raises(SchemaUnavailable, match=r"scripts/fetch-arazzo-schema\.sh"):
        schema.validator(tmp_path / "absent.json")
