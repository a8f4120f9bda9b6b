"""Operations whose change a run cannot confine to what it created are never fuzzed on a
real appliance, --allow-destructive or not."""

from __future__ import annotations

import argparse

import pytest

from conformance.contract.spec import load_contract
from conformance.core.context import RunContext
from conformance.core.settings import resolve
from conformance.core.skips import SkipKind
from conformance.http.session import Target

pytestmark = pytest.mark.unit

CONTRACT = load_contract()
UNCONFINED = {
    "updateConfiguration",
    "registerVcenter",
    "unregisterVcenter",
    "cleanupBackupDatastores",
    "cleanupBackupDatastoresVersioned",
}


def context(*, embedded: bool, allow_destructive: bool) -> RunContext:
    return RunContext(
        settings=resolve(argparse.Namespace(allow_destructive=allow_destructive), {}),
        target=Target("https://scv.lab:8144/api", "admin", "secret", embedded=embedded),
        contract=CONTRACT,
        release="6.2",
        reported_version="6.2",
    )


def test_the_contract_names_what_a_run_cannot_confine_and_why() -> None:
    marked = {op.operation_id: op.unconfined for op in CONTRACT.operations if op.unconfined}
    assert set(marked) == UNCONFINED
    assert all(op.mutates for op in CONTRACT.operations if op.unconfined)


@pytest.mark.parametrize("operation_id", sorted(UNCONFINED))
def test_a_real_appliance_never_gets_them_from_fuzzing(operation_id: str) -> None:
    operation = CONTRACT.operation(operation_id)
    skip = context(embedded=False, allow_destructive=True).skip(operation)
    assert skip is not None and skip.kind == SkipKind.SAFETY
    assert "--allow-destructive or not" in skip.text
    assert context(embedded=True, allow_destructive=False).skip(operation) is None


def test_other_state_changes_still_follow_allow_destructive() -> None:
    operation = CONTRACT.operation("updateJobRetention")
    assert context(embedded=False, allow_destructive=True).skip(operation) is None
    assert context(embedded=False, allow_destructive=False).skip(operation) is not None
