"""Which workflows conflict: derived from what they touch, on the real documents and on
small made-up ones."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance.contract.spec import load_contract
from conformance.scenarios import conflicts, inventory, loader
from conformance.scenarios.conflicts import Footprint, conflict_graph, footprint

pytestmark = pytest.mark.unit

CONTRACT = load_contract()


def _mutates(operation: Any) -> bool:
    return bool(operation.source == "scv" and CONTRACT.operation(operation.operation_id).mutates)


@functools.cache
def _workflows() -> tuple[Any, ...]:
    """The workflows of every scenario document, loaded (and validated) once."""
    return tuple(w for path in loader.scenario_files() for w in loader.load(path).tests)


def _real(values: Mapping[str, str] = inventory.EMULATOR_INVENTORY) -> dict[str, Footprint]:
    return {
        workflow.workflow_id: footprint(workflow, values, _mutates) for workflow in _workflows()
    }


@pytest.fixture(scope="module")
def graph() -> dict[str, frozenset[str]]:
    return conflict_graph(_real().values())


@pytest.mark.parametrize(
    ("one", "other", "over"),
    [
        ("restoreVm", "attachVmdk", "vm"),  # restoring a VM while attaching its disks
        ("mountDatastoreBackup", "unmountDatastoreBackup", "datastore"),  # the same backup
        ("addStorageVm", "modifyStorageVm", "storage_system"),
        ("backupOnDemand", "failFinishedJobRefused", "vm"),  # both back the VM up
    ],
)
def test_workflows_that_change_the_same_object_conflict(
    graph: dict[str, frozenset[str]], one: str, other: str, over: str
) -> None:
    assert other in graph[one] and one in graph[other]
    prints = _real()
    assert over in prints[one].explain(prints[other]).split(", ")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("restoreVm", "restoreDeletedVm"),
        ("restoreVm", "mountDatastoreBackup"),
        ("attachVmdk", "modifyBuiltInSchedule"),
        ("restoreTemplateRefused", "restartOnPartialBackupRefused"),
        ("jobsAndReports", "auditLogs"),
        ("auditConfig", "addStorageVm"),
    ],
)
def test_workflows_on_different_objects_are_independent(
    graph: dict[str, frozenset[str]], one: str, other: str
) -> None:
    assert other not in graph[one]


def test_the_objects_are_the_configured_values_not_the_input_names() -> None:
    apart = _real()
    assert not apart["restoreVm"].conflicts_with(apart["restoreTemplateRefused"])
    same = _real({**inventory.EMULATOR_INVENTORY, "template_vm": "finance-app01"})
    assert same["restoreVm"].conflicts_with(same["restoreTemplateRefused"])


def test_the_explanation_names_inputs_never_values() -> None:
    prints = _real()
    explained = prints["restoreVm"].explain(prints["attachVmdk"])
    assert explained == "vm"
    assert "finance-app01" not in explained


# Small documents: every rule on its own.


@dataclass(frozen=True)
class Op:
    source: str
    operation_id: str
    path: str
    writes: bool


OPS = {
    "getThing": Op("scv", "getThing", "/things/{id}", False),
    "listThings": Op("scv", "listThings", "/things", False),
    "changeThing": Op("scv", "changeThing", "/things/{id}", True),
    "changeList": Op("scv", "changeList", "/things", True),
    "login": Op("scv", "login", "/auth/login", False),
}


@dataclass
class Doc:
    data: dict[str, Any]

    def operation(self, reference: str) -> Op:
        return OPS[reference]


@dataclass
class Flow:
    workflow_id: str
    data: dict[str, Any]
    document: Doc = field(repr=False)


def _step(step_id: str, operation: str, **request: Any) -> dict[str, Any]:
    step: dict[str, Any] = {"stepId": step_id, "operationId": operation}
    step.update(request)
    return step


def _flow(workflow_id: str, steps: list[dict[str, Any]], **inputs: Any) -> dict[str, Any]:
    properties = {name: {"type": "string", **schema} for name, schema in inputs.items()}
    return {
        "workflowId": workflow_id,
        "inputs": {"type": "object", "properties": properties},
        "steps": steps,
    }


def _prints(
    *flows: dict[str, Any], values: Mapping[str, Any] | None = None
) -> dict[str, Footprint]:
    doc = Doc({"workflows": list(flows), "components": {"parameters": COMPONENTS}})
    return {
        f["workflowId"]: footprint(Flow(f["workflowId"], f, doc), values or {}, lambda o: o.writes)
        for f in flows
    }


COMPONENTS = {"token": {"name": "Token", "in": "header", "value": "$steps.logIn.outputs.token"}}


def _path(value: str) -> list[dict[str, Any]]:
    return [{"name": "id", "in": "path", "value": value}]


def test_two_readers_of_one_object_do_not_conflict_a_writer_does() -> None:
    prints = _prints(
        _flow("readA", [_step("get", "getThing", parameters=_path("$inputs.thing"))], thing={}),
        _flow("readB", [_step("get", "getThing", parameters=_path("$inputs.thing"))], thing={}),
        _flow("write", [_step("put", "changeThing", parameters=_path("$inputs.thing"))], thing={}),
        values={"thing": "t-1"},
    )
    assert not prints["readA"].conflicts_with(prints["readB"])
    assert prints["readA"].conflicts_with(prints["write"])
    assert prints["write"].conflicts_with(prints["readB"])


def test_what_a_step_got_from_an_object_stands_for_that_object() -> None:
    derived = _flow(
        "derived",
        [
            _step("get", "getThing", parameters=_path("$inputs.thing")),
            _step(
                "put",
                "changeThing",
                parameters=_path("$steps.get.outputs.child"),
                requestBody={"payload": {"note": "{$steps.get.outputs.name} changed"}},
            ),
        ],
        thing={},
    )
    reader = _flow(
        "reader", [_step("get", "getThing", parameters=_path("$inputs.thing"))], thing={}
    )
    prints = _prints(derived, reader, values={"thing": "t-1"})
    assert prints["derived"].writes == frozenset({"value t-1"})
    assert prints["derived"].conflicts_with(prints["reader"])


def test_a_value_from_a_list_no_input_selects_stands_for_the_list() -> None:
    picks = _flow(
        "picks",
        [
            _step("list", "listThings"),
            _step("put", "changeThing", parameters=_path("$steps.list.outputs.first")),
        ],
    )
    lister = _flow("lister", [_step("list", "listThings")])
    other = _flow("other", [_step("get", "getThing", parameters=_path("$inputs.thing"))], thing={})
    prints = _prints(picks, lister, other, values={"thing": "t-2"})
    assert prints["picks"].writes == frozenset({conflicts.collection(OPS["listThings"])})
    assert prints["picks"].conflicts_with(prints["lister"])
    assert not prints["picks"].conflicts_with(prints["other"])


def test_a_write_that_names_nothing_writes_its_list() -> None:
    prints = _prints(
        _flow("adds", [_step("post", "changeList")]),
        _flow("lists", [_step("list", "listThings")]),
    )
    assert prints["adds"].conflicts_with(prints["lists"])


def test_headers_and_secrets_name_no_object() -> None:
    login = _step(
        "logIn",
        "login",
        requestBody={"payload": {"username": "$inputs.username", "password": "$inputs.password"}},
    )

    def writer(workflow_id: str, thing: str) -> dict[str, Any]:
        put = _step(
            "put",
            "changeThing",
            parameters=[
                {"reference": "$components.parameters.token"},
                {"name": "id", "in": "path", "value": "$inputs.thing"},
            ],
            requestBody={"payload": {"password": "$inputs.password"}},
        )
        return _flow(
            workflow_id,
            [login, put],
            username={},
            password={"format": "password"},
            thing={"default": thing},
        )

    prints = _prints(
        writer("one", "a"),
        writer("two", "b"),
        values={"username": "admin", "password": "s3cret"},
    )
    assert not prints["one"].conflicts_with(prints["two"])
    assert not any("s3cret" in obj for obj in prints["one"].touches)


def test_numbers_are_settings_not_objects() -> None:
    def sets(workflow_id: str) -> dict[str, Any]:
        put = _step("put", "changeThing", parameters=_path("$inputs.thing"))
        put["requestBody"] = {"payload": {"days": "$inputs.days"}}
        return _flow(workflow_id, [put], thing={}, days={"type": "integer", "default": 45})

    prints = _prints(sets("one"), sets("two"), values={"thing": "t-1"})
    prints_apart = _prints(sets("one"), values={"thing": "t-9"})
    assert prints["one"].conflicts_with(prints["two"])  # the same thing
    assert prints_apart["one"].writes == frozenset({"value t-9"})


def test_a_called_workflow_counts_with_the_callers_values() -> None:
    remove = _flow(
        "removeThing",
        [_step("delete", "changeThing", parameters=_path("$inputs.id"))],
        id={},
    )
    caller = _flow(
        "makesAndRemoves",
        [
            _step("get", "getThing", parameters=_path("$inputs.thing")),
            {
                "stepId": "cleanUp",
                "workflowId": "removeThing",
                "parameters": [{"name": "id", "value": "$steps.get.outputs.id"}],
            },
        ],
        thing={},
    )
    reader = _flow(
        "reader", [_step("get", "getThing", parameters=_path("$inputs.thing"))], thing={}
    )
    prints = _prints(remove, caller, reader, values={"thing": "t-3"})
    assert "value t-3" in prints["makesAndRemoves"].writes
    assert prints["makesAndRemoves"].conflicts_with(prints["reader"])


def test_a_member_picked_from_a_list_is_referred_to_not_changed() -> None:
    """A new thing that names the first member of a list (a group with the first policy)
    leaves the list alone; a change at the member's own path changes it."""
    OPS["addOther"] = Op("scv", "addOther", "/others", True)
    try:
        refers, also = (
            _flow(
                name,
                [
                    _step("list", "listThings"),
                    _step(
                        "add",
                        "addOther",
                        requestBody={"payload": {"thing": "$steps.list.outputs.first"}},
                    ),
                ],
            )
            for name in ("refers", "also")
        )
        changes = _flow(
            "changes",
            [
                _step("list", "listThings"),
                _step("put", "changeThing", parameters=_path("$steps.list.outputs.first")),
            ],
        )
        prints = _prints(refers, also, changes)
    finally:
        del OPS["addOther"]
    listed = conflicts.collection(OPS["listThings"])
    assert listed not in prints["refers"].writes and listed in prints["refers"].reads
    assert not prints["refers"].conflicts_with(prints["also"])
    assert prints["changes"].conflicts_with(prints["refers"])


def test_resource_groups_with_the_first_policy_conflict_only_over_their_vm() -> None:
    prints = _real()
    assert not prints["createResourceGroup"].writes & {"scv /4.1/policies"}
    pooled = {**inventory.EMULATOR_INVENTORY, "vm": "finance-app02"}
    other = _real(pooled)
    for one, two in (
        ("createResourceGroup", "modifyResourceGroup"),
        ("backupOnDemand", "failStuckJob"),
    ):
        assert prints[one].conflicts_with(prints[two])
        assert not prints[one].conflicts_with(other[two]), (one, two)
