"""A pytest plugin that streams test progress to the process that started pytest.

It runs in the controlling pytest process (the xdist controller, or the only process) and
writes one JSON object per line to the file descriptor named by ``PROGRESS_FD_VARIABLE``.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Generator
from typing import IO, Any

import pytest

from conformance.core.manifest import PROGRESS_FD_VARIABLE

_STREAM = pytest.StashKey[IO[str]]()
_SENT_IDS = pytest.StashKey[bool]()
_CONFIG: list[pytest.Config] = []


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    fd = os.environ.get(PROGRESS_FD_VARIABLE)
    if not fd:
        return
    try:
        config.stash[_STREAM] = os.fdopen(int(fd), "w", buffering=1, encoding="utf-8")
    except (OSError, ValueError):
        return
    _CONFIG.append(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    stream = config.stash.get(_STREAM, None)
    if stream is not None:
        with contextlib.suppress(OSError):
            stream.close()
        del config.stash[_STREAM]
    if config in _CONFIG:
        _CONFIG.remove(config)


def _emit(event: dict[str, Any]) -> None:
    for config in _CONFIG:
        stream = config.stash.get(_STREAM, None)
        if stream is None:
            continue
        with contextlib.suppress(OSError, ValueError):
            stream.write(json.dumps(event) + "\n")


def _collected(config: pytest.Config, ids: list[str]) -> None:
    if config.stash.get(_SENT_IDS, False):
        return
    config.stash[_SENT_IDS] = True
    _emit({"event": "collected", "ids": ids})


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.items:
        _collected(session.config, [item.nodeid for item in session.items])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    for config in _CONFIG:
        _collected(config, list(ids))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        message = str(report.longrepr).strip().splitlines()
        _emit(
            {
                "event": "collecterror",
                "nodeid": report.nodeid,
                "message": message[-1] if message else "collection failed",
            }
        )


#: Set on a failed report (in the process that ran the test, and sent along by xdist)
#: when the exception was not a conformance failure, as Allure counts "broken".
ERROR_ATTRIBUTE = "scv_error"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None:
        conformance = isinstance(call.excinfo.value, (AssertionError, pytest.fail.Exception))
        setattr(report, ERROR_ATTRIBUTE, not conformance)


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    """A test starts: the terminal display shows which operation or workflow runs."""
    _emit({"event": "start", "nodeid": nodeid})


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    outcome: str = report.outcome
    if report.when == "setup" and outcome == "passed":
        return  # tells the parent nothing (a test counts with its call and teardown)
    if outcome == "failed" and getattr(report, ERROR_ATTRIBUTE, True):
        outcome = "error"
    _emit({"event": "report", "nodeid": report.nodeid, "when": report.when, "outcome": outcome})
