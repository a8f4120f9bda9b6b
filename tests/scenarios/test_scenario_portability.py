"""Criteria that other Arazzo runners evaluate alike, and the ones the loader refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.scenarios import loader
from conformance.scenarios.arazzo import portability

pytestmark = pytest.mark.unit


def _jsonpath(condition: str) -> dict[str, str]:
    return {"context": "$response.body", "type": "jsonpath", "condition": condition}


@pytest.mark.parametrize(
    "condition",
    [
        "$..resourceGroupResponseList[?@.id == {$steps.createGroup.outputs.groupId}]",
        "$..list[?@.id == 1 && count(@.entities[?@ == 'vm-1']) == 1]",
        "$[?count($..list) == 1 && count($..list[?@.id == 1 && @.name == 'a']) == 0]",
        "$..disks[?@.backing.vmdk_file == '[ds] a/a[1].vmdk']",
        "$..[?@.vm == 'vm-101' && @.power_state == 'POWERED_OFF']",
    ],
)
def test_portable_conditions_pass(condition: str) -> None:
    assert portability.problems(_jsonpath(condition)) == []


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ("$.response.list[?@.id == 1]", "start with '$..' or '$[?'"),
        ("$[0].response", "start with '$..' or '$[?'"),
        ("$[?count($[?@.id == 1]) == 0]", "start with '$..' or '$[?'"),
        ("$[?count($.response.list[?@.id == 1]) == 0]", "start with '$..' or '$[?'"),
        ("$[?count(@.response.list) > 0]", "'@' in the outermost filter"),
        ("$..list[?@.entities[0] == 'vm-1']", "an index inside a filter"),
        ("$..list[?@.a == 1 && @.b == 2 && @.c == 3]", "three or more terms joined by &&"),
        ("$..list[?@.a == 1 || @.b == 2 || @.c == 3]", "three or more terms joined by ||"),
    ],
)
def test_constructs_other_runners_read_differently_are_named(condition: str, problem: str) -> None:
    problems = portability.problems(_jsonpath(condition))
    assert any(problem in p for p in problems), problems


def test_a_regex_with_an_embedded_expression_is_refused() -> None:
    criterion = {"context": "$response.body", "type": "regex", "condition": "{$inputs.vm}"}
    assert "do not fill in" in portability.problems(criterion)[0]
    assert portability.problems({**criterion, "condition": "^application/zip"}) == []


def test_the_loader_refuses_a_reading_dependent_criterion(tmp_path: Path) -> None:
    source = loader.SCENARIO_DIR / "12-unmount-datastore-backup.arazzo.yaml"
    text = source.read_text().replace(
        "$[?count($..mountedDatastoresList) == 1 && count($..mountedDatastoresList[?",
        "$[?count($.response.mountedDatastoresList[?",
    )
    assert text != source.read_text()
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "specs").mkdir()
    for name in ("scv.openapi.yaml", "vcenter.openapi.yaml"):
        spec = loader.SCENARIO_DIR.parent / "specs" / name
        (tmp_path / "specs" / name).write_text(spec.read_text())
    target = tmp_path / "scenarios" / "12.arazzo.yaml"
    target.write_text(text)
    problems = loader.check_file(target)
    assert any("unmountDatastoreBackup/mountGone" in p for p in problems), problems


def test_cleanup_names_a_step_that_calls_a_workflow(tmp_path: Path) -> None:
    data = yaml.safe_load((loader.SCENARIO_DIR / "01-add-storage-vm.arazzo.yaml").read_text())
    data["workflows"][0]["x-scv-cleanup"] = "listStorageSystems"
    data["sourceDescriptions"][0]["url"] = str(
        loader.SCENARIO_DIR.parent / "specs" / "scv.openapi.yaml"
    )
    target = tmp_path / "cleanup.arazzo.yaml"
    target.write_text(yaml.safe_dump(data))
    assert any("does not call a workflow" in p for p in loader.check_file(target))
    data["workflows"][0]["x-scv-cleanup"] = "cleanUp"
    del data["workflows"][0]["steps"][-1]["parameters"][2]
    target.write_text(yaml.safe_dump(data))
    assert any("needs inputs storageSystem" in p for p in loader.check_file(target))


def test_a_workflow_cannot_predate_an_operation_it_calls(tmp_path: Path) -> None:
    source = loader.SCENARIO_DIR / "15-mark-stuck-jobs-failed.arazzo.yaml"
    data = yaml.safe_load(source.read_text())
    assert data["workflows"][0]["x-scv-since"] == "4.5", "failJobs came with 4.5"
    data["workflows"][0]["x-scv-since"] = "4.4"
    data["sourceDescriptions"][0]["url"] = str(
        loader.SCENARIO_DIR.parent / "specs" / "scv.openapi.yaml"
    )
    target = tmp_path / "15.arazzo.yaml"
    target.write_text(yaml.safe_dump(data))
    problems = loader.check_file(target)
    assert any("x-scv-since is 4.4" in p and "failJobs" in p for p in problems), problems
