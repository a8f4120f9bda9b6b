"""Names of created resources carry the run's id; passwords and other values do not change."""

from __future__ import annotations

import pytest

from conformance.custody.run_names import named_defaults, new_run_id, run_id_of, run_specific
from conformance.run.other_runs import other_runs

pytestmark = pytest.mark.unit


def test_names_get_the_run_id_after_the_prefix() -> None:
    assert run_specific("scv-conformance-rg-create", "a1b2c3") == "scv-conformance-a1b2c3-rg-create"
    assert run_specific("scv-conformance-a1b2c3-rg", "a1b2c3") == "scv-conformance-a1b2c3-rg"
    assert run_specific("RG-Finance", "a1b2c3") == "RG-Finance"


def test_only_naming_defaults_change() -> None:
    schema = {
        "properties": {
            "group_name": {"type": "string", "default": "scv-conformance-rg"},
            "storage_password": {"type": "string", "default": "scv-conformance"},
            "retention_days": {"type": "integer", "default": 45},
            "vm": {"type": "string"},
        }
    }
    assert named_defaults(schema, "a1b2c3") == {"group_name": "scv-conformance-a1b2c3-rg"}


def test_run_ids_differ() -> None:
    assert len({new_run_id() for _ in range(50)}) == 50


def test_a_name_tells_the_run_that_made_it() -> None:
    made = run_specific("scv-conformance-rg-create", "a1b2c3")
    assert run_id_of(made) == "a1b2c3"
    for other in ("scv-conformance-rg-create", "RG-Finance", "scv-conformance", "x-a1b2c3-rg"):
        assert run_id_of(other) is None


def test_other_runs_are_told_apart_from_this_one_by_their_names() -> None:
    names = [
        "RG-Finance",
        "scv-conformance-a1b2c3-rg-create",  # this run's own
        "scv-conformance-0f0f0f-rg-modify",
        "scv-conformance-0f0f0f-weekly",
        "scv-conformance-999999-rg-create",
    ]
    found = other_runs(names, "a1b2c3")
    assert [(run.run_id, run.names) for run in found] == [
        ("0f0f0f", ("scv-conformance-0f0f0f-rg-modify", "scv-conformance-0f0f0f-weekly")),
        ("999999", ("scv-conformance-999999-rg-create",)),
    ]
    line = found[0].line()
    assert line.startswith("another scv-conformance run (0f0f0f) is active on this appliance")
    assert "or left resources: scv-conformance-0f0f0f-rg-modify" in line
    assert found[0].as_json()["runId"] == "0f0f0f"
    assert other_runs(names[:2], "a1b2c3") == []
