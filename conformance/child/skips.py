"""Skipping an item with a typed reason: the kind goes with it into every report."""

from __future__ import annotations

from typing import NoReturn

import pytest

from conformance.core.skips import SKIP_KIND_PROPERTY, Skip


def skip_item(item: pytest.Item, skip: Skip) -> NoReturn:
    """Skip the running ``item`` for ``skip``: its kind as an item property (and so an
    Allure label) and as the message's tag."""
    item.user_properties.append((SKIP_KIND_PROPERTY, skip.kind.value))
    pytest.skip(skip.message)
