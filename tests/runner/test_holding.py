"""When a run holds the appliance, and its deadline then (no appliance needed)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest

from conformance.core.context import RunContext
from conformance.run.holding import UNBOUNDED_HOLD_SECONDS, Holding

pytestmark = pytest.mark.unit


def _context(*, destructive: bool, embedded: bool, max_time: float | None) -> RunContext:
    def session() -> Any:
        raise AssertionError("no session: nothing to hold")

    return cast(
        RunContext,
        SimpleNamespace(
            destructive_allowed=destructive,
            destructive_on_appliance=destructive and not embedded,
            target=SimpleNamespace(embedded=embedded),
            settings=SimpleNamespace(max_time=max_time),
            session=session,
        ),
    )


@pytest.mark.parametrize(
    ("destructive", "embedded", "max_time", "deadline"),
    [
        (True, False, 600.0, 1600.0),  # --max-time bounds the run, waiting included
        (True, False, None, 1000.0 + UNBOUNDED_HOLD_SECONDS),  # the hold's own bound
        (True, True, None, None),  # the embedded emulator is the run's own
        (False, False, None, None),  # a read-only run holds nothing
        (False, False, 60.0, 1060.0),
    ],
)
def test_the_deadline_of_a_run(
    destructive: bool, embedded: bool, max_time: float | None, deadline: float | None
) -> None:
    holding = Holding(
        _context(destructive=destructive, embedded=embedded, max_time=max_time),
        Path("unused"),
        print,
    )
    assert holding.deadline(1000.0) == deadline


@pytest.mark.parametrize(("destructive", "embedded"), [(False, False), (True, True)])
def test_a_run_that_changes_nothing_of_an_appliance_holds_nothing(
    destructive: bool, embedded: bool
) -> None:
    holding = Holding(
        _context(destructive=destructive, embedded=embedded, max_time=None), Path("x"), print
    )
    assert holding.take(None, lambda: False) is None
    holding.give_back()
    assert holding.as_json() is None


class _Refusing:
    """An appliance that answers every request with a server error."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def request(self, method: str, path: str, **_: Any) -> httpx.Response:
        self.sent.append(f"{method} {path}")
        return httpx.Response(500, json={"statusCode": 500, "statusMessage": "boom"})

    def close(self) -> None:
        pass


def test_an_appliance_that_cannot_be_held_is_run_on_with_a_line(tmp_path: Path) -> None:
    """Policies that cannot be listed are the appliance's answer for the run to judge, not a
    busy appliance: the run goes on, says it is not kept apart from another, and says why."""
    appliance = _Refusing()
    context = cast(
        RunContext,
        SimpleNamespace(
            destructive_allowed=True,
            destructive_on_appliance=True,
            target=SimpleNamespace(embedded=False),
            settings=SimpleNamespace(
                max_time=60.0,
                run_id="abc123",
                cleanup_seconds=5.0,
                job_timeout=10.0,
                if_busy="wait",
            ),
            session=lambda: appliance,
        ),
    )
    said: list[str] = []
    holding = Holding(context, tmp_path, said.append)
    assert holding.take(1060.0, lambda: False) is None
    assert appliance.sent == ["GET /4.1/policies"]
    (line,) = said
    assert line.startswith("not holding the appliance: the policies could not be listed")
    assert "HTTP 500" in line and "not kept apart" in line
    held = holding.as_json()
    assert held is not None and "HTTP 500" in held["unheld"] and held["policy"] is None
    holding.give_back()
