"""The schemathesis.toml shipped for a plain `st run` of the contract matches the contract."""

from __future__ import annotations

import tomllib

import pytest

from conformance.contract.spec import load_contract
from conformance.core.paths import CHECKOUT
from conformance.fuzz.st_config import plain_run_table

pytestmark = pytest.mark.unit


def test_the_shipped_schemathesis_toml_is_the_contract_s() -> None:
    shipped = tomllib.loads((CHECKOUT / "schemathesis.toml").read_text(encoding="utf-8"))
    assert shipped == plain_run_table(load_contract().operations), (
        "run python scripts/write-schemathesis-toml.py"
    )
    by_id = {o["include-operation-id"]: o for o in shipped["operations"]}
    assert set(by_id) == {op.operation_id for op in load_contract().operations}
    # a documented business rule's 400 is no false positive of positive_data_acceptance
    statuses = by_id["restoreVm"]["checks"]["positive_data_acceptance"]["expected-statuses"]
    assert "400" in statuses
