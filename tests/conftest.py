"""Every test names its layer: ``unit`` (``pytest -m unit``, seconds) or ``integration``."""

from __future__ import annotations

from typing import Any

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


class _NotInAUnitTest(RuntimeError):
    """What a unit test gets for opening a socket or starting a process."""


@pytest.fixture(autouse=True)
def _unit_means_no_socket_and_no_process(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unit test opens no socket and starts no process: it fails if it tries (mark it
    integration instead). In-process servers (httpx.ASGITransport) need neither."""
    if request.node.get_closest_marker("unit") is None:
        return
    import socket
    import subprocess

    def refuse(what: str) -> Any:
        def refused(*args: object, **kwargs: object) -> None:
            raise _NotInAUnitTest(f"a unit test may not {what}: mark the module integration")

        return refused

    for name in ("connect", "connect_ex", "bind"):
        monkeypatch.setattr(socket.socket, name, refuse("open a socket"))
    monkeypatch.setattr(subprocess.Popen, "_execute_child", refuse("start a process"))
