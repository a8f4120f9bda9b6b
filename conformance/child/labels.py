"""A pytest plugin that copies the suites' ``user_properties`` into Allure labels.

The summary is derived from the Allure results alone, so what a test is about (suite,
operationId or workflowId, stepId, check, reproducing curl) and its node id must be there.
"""

from __future__ import annotations

from collections.abc import Generator

import allure
import pytest

from conformance.contract import deviation
from conformance.core.item_keys import LABEL_PREFIX, NODEID_LABEL, TIME_SPAN
from conformance.core.skips import SKIP_KIND_PROPERTY

KNOWN_PROPERTIES = (
    "suite",
    "operationId",
    "workflowId",
    "stepId",
    "check",
    "reproduce",
    SKIP_KIND_PROPERTY,
    deviation.VERDICT_PROPERTY,
    deviation.MESSAGE_PROPERTY,
    *TIME_SPAN,
)

_COPIED = pytest.StashKey[set[tuple[str, str]]]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, object, None]:
    yield
    copied = item.stash.setdefault(_COPIED, set())
    if not copied:
        allure.dynamic.label(NODEID_LABEL, item.nodeid)
        copied.add(("nodeid", item.nodeid))
    for name, value in item.user_properties:
        if name not in KNOWN_PROPERTIES or value is None:
            continue
        key = (name, str(value))
        if key in copied:
            continue
        copied.add(key)
        allure.dynamic.label(LABEL_PREFIX + name, str(value))
