"""Names of created resources carry the run's id; passwords and other values do not change."""

from __future__ import annotations

import pytest

from conformance.scenarios.run_names import named_defaults, new_run_id, run_specific

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
