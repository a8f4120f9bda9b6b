"""A pytest plugin that deselects what the run manifest's selection leaves out.

Fuzzing items (``specs/...::operationId::check``) go when their operation or check is not
selected, workflow items when their workflowId is not; the stateful walk stays unless its
check is left out. Deselected items are not run and not reported.
"""

from __future__ import annotations

import pytest

from conformance.child.context import get_context, get_manifest
from conformance.core.item_keys import FUZZ, SCENARIO, STATEFUL, item_key


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selection = get_manifest(config).selection
    known = sorted({item_key(i.nodeid).name for i in items if item_key(i.nodeid).suite == SCENARIO})
    unknown = [w for w in selection.workflows if w not in known]
    if unknown and known:
        raise pytest.UsageError(
            f"--only: unknown workflow {unknown[0]!r} (known: {', '.join(known)})"
        )
    checks = {i.nodeid.rsplit("::", 1)[-1] for i in items if item_key(i.nodeid).suite == FUZZ}
    unknown_check = selection.unknown_check(checks) if checks else None
    if unknown_check:
        flag = selection.check_flag(unknown_check)
        raise pytest.UsageError(
            f"{flag}: no check {unknown_check!r}; choose from {', '.join(sorted(checks))}"
        )
    contract = get_context(config).contract
    operations = {op.operation_id: op for op in contract.operations}
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        key = item_key(item.nodeid)
        if key.suite == FUZZ:
            check = item.nodeid.rsplit("::", 1)[-1]
            operation = operations.get(key.name)
            wanted = selection.selects_check(check) and (
                key.name == STATEFUL or operation is None or selection.selects_operation(operation)
            )
        elif key.suite == SCENARIO:
            wanted = selection.selects_workflow(key.name)
        else:
            wanted = True
        (kept if wanted else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
