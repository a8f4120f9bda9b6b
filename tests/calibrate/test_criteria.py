"""Assumed workflow criteria adapted to what the appliance answered, as overlay actions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.calibrate.criteria import Heard, adapt_criteria
from conformance.contract.overlay import parse_overlay
from conformance.contract.spec import load_contract
from conformance.scenarios import loader
from conformance.scenarios.arazzo.criteria import describe, evaluate_criterion, operands
from conformance.scenarios.arazzo.expressions import Message, Scope

pytestmark = pytest.mark.unit

UNMOUNT = "$response.body#/response/jobType == 'unmountBackup'"
DOCUMENT = next(p for p in loader.scenario_files() if p.name.startswith("12-"))


def heard(value: object, condition: str = UNMOUNT) -> Heard:
    values = {"$response.body#/response/jobType": value}
    return Heard("unmountDatastoreBackup", "waitForUnmountJob", condition, values)


def overlay_file(tmp_path: Path, actions: list[dict]) -> Path:
    path = tmp_path / "learned.yaml"
    document = {"overlay": "1.0.0", "info": {"title": "t", "version": "6.2"}, "actions": actions}
    parse_overlay(document)
    path.write_text(yaml.safe_dump(document))
    return path


def criterion_of(document: object) -> dict:
    workflows = document.workflows  # type: ignore[attr-defined]
    workflow = next(w for w in workflows if w.workflow_id == "unmountDatastoreBackup")
    step = next(s for s in workflow.data["steps"] if s["stepId"] == "waitForUnmountJob")
    return next(c for c in step["successCriteria"] if "jobType" in c["condition"])


def test_a_heard_value_becomes_the_expected_one_marked_observed(tmp_path: Path) -> None:
    adaptation = adapt_criteria([heard("unmountDatastore"), heard("unmountDatastore")], "6.2")
    assert adaptation.unfitting == []
    [action] = adaptation.actions
    path = overlay_file(tmp_path, adaptation.actions)

    criterion = criterion_of(loader.load(DOCUMENT, overlays=[path]))
    assert criterion["condition"] == "$response.body#/response/jobType == 'unmountDatastore'"
    assert (criterion["x-evidence"], criterion["x-observed-version"]) == ("observed", "6.2")
    # the document without the overlay, and the contract with it, are as they were
    assert criterion_of(loader.load(DOCUMENT))["condition"] == UNMOUNT
    assert load_contract(overlays=(path,)).unmatched_targets == ()
    assert loader.unmatched_targets([path]) == []
    assert action["target"].startswith("$.workflows[?@.workflowId==")


def test_values_that_differ_between_runs_are_all_expected_and_quotes_survive(
    tmp_path: Path,
) -> None:
    adaptation = adapt_criteria([heard("a'b"), heard("c")], "6.2")
    path = overlay_file(tmp_path, adaptation.actions)
    condition = criterion_of(loader.load(DOCUMENT, overlays=[path]))["condition"]
    expression = "$response.body#/response/jobType"
    assert condition == f"{expression} == 'a''b' || {expression} == 'c'"
    holds = [
        evaluate_criterion({"condition": condition}, _scope({"response": {"jobType": v}}))
        for v in ("a'b", "c", "b")
    ]
    assert holds == [True, True, False]
    met = operands({"condition": condition}, _scope({"response": {"jobType": "b"}}))
    assert met == {expression: "b"}


def test_what_cannot_be_written_as_an_equality_is_reported_not_adapted() -> None:
    adaptation = adapt_criteria(
        [
            heard({"nested": 1}),
            heard("x", condition="$response.body#/response/jobType != 'unmountBackup'"),
            Heard("w", "s", UNMOUNT, {}),
        ],
        "6.2",
    )
    assert adaptation.actions == []
    assert len(adaptation.unfitting) == 3
    assert 'answered {"nested": 1}' in adaptation.unfitting[0]
    assert "answered nothing" in adaptation.unfitting[2]


def test_a_target_that_selects_no_criterion_any_more_is_reported(tmp_path: Path) -> None:
    adaptation = adapt_criteria([heard("x", condition=UNMOUNT + " && true")], "6.2")
    assert adaptation.actions == []  # not an equality: reported
    action = dict(adapt_criteria([heard("x")], "6.2").actions[0])
    action["target"] = action["target"].replace("waitForUnmountJob", "gone")
    path = overlay_file(tmp_path, [action])
    assert loader.unmatched_targets([path]) == [f"{path}: {action['target']}"]


def test_an_unmet_criterion_says_what_it_met() -> None:
    scope = _scope({"response": {"jobType": "unmountDatastore"}})
    assert describe({"condition": UNMOUNT}, scope) == (
        f'{UNMOUNT} ($response.body#/response/jobType was "unmountDatastore")'
    )
    assert describe({"condition": UNMOUNT}) == UNMOUNT


def _scope(body: object) -> Scope:
    scope = Scope(inputs={})
    scope.message = Message(status_code=200, response_body=body)
    return scope
