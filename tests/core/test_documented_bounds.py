"""The bounds docs/real-appliance.md states are the ones the code holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.http import bounds

pytestmark = pytest.mark.unit

GUIDE = Path(__file__).parents[2] / "docs" / "real-appliance.md"
NUMBERS = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 8: "Eight", 10: "Ten"}


def test_the_guide_states_the_bounds_of_the_code() -> None:
    text = " ".join(GUIDE.read_text().split())
    seconds = bounds.REQUEST_DEADLINE_SECONDS
    assert f"`--request-timeout` seconds (default {seconds:g};" in text
    assert f"read up to {bounds.MAX_ANSWER_BYTES // 2**20} MiB" in text
    assert f"keep {bounds.MAX_ATTACHMENT_CHARS // 2**10} KiB of a body" in text
    assert f"{NUMBERS[bounds.BREAKER_LIMIT]} connection failures in a row" in text
    assert f"logins happen at most once every {bounds.RELOGIN_INTERVAL_SECONDS:g} seconds" in text
