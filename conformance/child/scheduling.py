"""A pytest plugin that keeps the scenario workflows in one xdist worker.

Workflows change the appliance's shared state (mounts, resource groups, restores), so which
of them may run at once is decided in one place (``conformance.scenarios.side_by_side``).
Under ``--dist loadgroup`` they form one group in one worker, while the fuzzing items
spread over the other workers.
"""

from __future__ import annotations

import pytest

from conformance.core.item_keys import SCENARIO, item_key

SCENARIO_GROUP = "scv-scenarios"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item_key(item.nodeid).suite == SCENARIO and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(SCENARIO_GROUP))
