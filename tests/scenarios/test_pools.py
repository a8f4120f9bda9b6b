"""Pools of the inventory: which VMs and datastores a workflow may run on instead."""

from __future__ import annotations

import pytest

from conformance.core.settings import POOL_SEPARATOR
from conformance.scenarios.conflicts import Footprint
from conformance.scenarios.pools import choices, pool
from conformance.scenarios.side_by_side import Choice, Placement

pytestmark = pytest.mark.unit

NAMES = {
    "vm": "app01",
    "vms": POOL_SEPARATOR.join(["app02", "app01", "app03"]),
    "datastore": "ds01",
    "datastores": "ds02",
    "template_vm": "tpl",
}


def test_a_pool_is_the_first_choice_then_the_listed_ones_each_once() -> None:
    assert pool(NAMES, "vm") == ("app01", "app02", "app03")
    assert pool(NAMES, "datastore") == ("ds01", "ds02")
    assert pool({"vm": "app01"}, "vm") == ("app01",)
    assert pool(NAMES, "template_vm") == ("tpl",)


def test_the_run_s_names_come_first_then_one_object_swapped() -> None:
    found = choices(["vm", "username"], NAMES)
    assert [c["vm"] for c in found] == ["app01", "app02", "app03"]
    assert found[0] == NAMES
    assert all(c["datastore"] == "ds01" for c in found)
    both = choices(["datastore", "alternate_vm"], NAMES)
    assert [c["datastore"] for c in both] == ["ds01", "ds02"]


def test_a_workflow_on_a_vm_and_its_datastore_keeps_the_datastore() -> None:
    """The pool's VMs are on ``datastore``: a backup of one is checked in its list."""
    found = choices(["vm", "datastore"], NAMES)
    assert [c["vm"] for c in found] == ["app01", "app02", "app03"]
    assert {c["datastore"] for c in found} == {"ds01"}


def test_without_a_pool_there_is_one_choice() -> None:
    names = {"vm": "app01", "datastore": "ds01"}
    assert choices(["vm", "datastore"], names) == [names]
    assert choices(["template_vm"], NAMES) == [NAMES]


def _choice(datastore: str) -> Choice:
    footprint = Footprint("w", frozenset(), frozenset({f"value {datastore}"}))
    return Choice({"datastore": datastore}, footprint)


def test_a_workflow_keeps_clear_of_what_a_waiting_one_cannot_avoid() -> None:
    """``mount`` could take either datastore; ``backup`` can only take ds01 (its VM is on
    it): mount takes ds02, and both run at once."""
    placement = Placement(
        {
            "mount": [_choice("ds01"), _choice("ds02")],
            "backup": [
                Choice(
                    {"datastore": "ds01"}, Footprint("b", frozenset({"value ds01"}), frozenset())
                )
            ],
            "other": [_choice("ds01"), _choice("ds02")],
        }
    )
    assert placement.fits("mount", [])
    assert placement.picked["mount"].names["datastore"] == "ds02"
    assert placement.fits("backup", ["mount"])
    # nothing waits that needs ds01 now: the first choice that fits
    assert not placement.fits("other", ["mount", "backup"])
    assert placement.fits("other", ["backup"])
    assert placement.picked["other"].names["datastore"] == "ds02"
