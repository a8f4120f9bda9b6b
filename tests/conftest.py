"""Every test names its layer: ``unit`` (``pytest -m unit``, seconds) or ``integration``."""

from __future__ import annotations

import pytest

LAYERS = ("unit", "integration")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse the run when a test function carries neither layer marker, or both.

    Only this repository's test functions are judged: the items a run's child pytest makes
    of the stand-in contracts under tests/ (fuzz cases, workflows) are not tests of ours.
    """
    wrong = [
        item.nodeid
        for item in items
        if isinstance(item, pytest.Function)
        and item.path.suffix == ".py"
        and sum(item.get_closest_marker(layer) is not None for layer in LAYERS) != 1
    ]
    if wrong:
        shown = "\n  ".join(wrong[:20])
        more = f"\n  … and {len(wrong) - 20} more" if len(wrong) > 20 else ""
        raise pytest.UsageError(
            "every test is marked either 'unit' or 'integration' (a module-level "
            f"pytestmark = pytest.mark.unit, say); these are not:\n  {shown}{more}"
        )
