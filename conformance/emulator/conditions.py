"""Conditions: what real appliances legitimately do and a client of SCV must survive.

A fault (``faults``) is a defect the harness must catch in an appliance; a condition is
behaviour within the documentation that an integration meets sooner or later on a real
appliance: a token that stops working (the login timeout is configurable in vCenter and
tokens are VMware's to manage), a job that fails, a slow job, an occasional 503 from a busy
appliance, the translation's spelling of a field, the other snapshot-location path. An
emulator plays any number of them at once (``emulate --condition NAME``, repeatable);
``certify-client`` plays one per cell of its matrix.

Each condition is data here and its effect one small rule: ``EmulatorConfig`` derives the
played job duration, spelling, snapshot path and token lifetime from the names, and
``TransientErrors`` answers the occasional 503.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.emulator.envelope import envelope_response


@dataclass(frozen=True)
class Condition:
    """A legitimate appliance behaviour, and what a client does to survive it."""

    name: str
    description: str
    survive: str


#: Calls a token serves under ``token-expiry`` before it stops working.
TOKEN_USES = 3
#: How much longer jobs run under ``slow-jobs``.
SLOW_JOB_FACTOR = 10
#: Under ``transient-errors`` every this-many-th SCV request answers 503 (not processed).
TRANSIENT_EVERY = 4
#: The ``errorMessage`` of a job that ends failed under ``job-failure``.
JOB_FAILURE_MESSAGE = "Job failed: the storage system did not complete the operation"
TRANSIENT_MESSAGE = "The service is temporarily unavailable; try again later"

TOKEN_EXPIRY = "token-expiry"
JOB_FAILURE = "job-failure"
SLOW_JOBS = "slow-jobs"
TRANSIENT_ERRORS = "transient-errors"
TRANSLATION_SPELLING = "translation-spelling"
SNAPSHOTLOCATORS = "snapshotlocators"

CONDITIONS: dict[str, Condition] = {
    c.name: c
    for c in (
        Condition(
            TOKEN_EXPIRY,
            f"every token stops working after {TOKEN_USES} calls (401), as a token does when "
            "its login times out",
            "log in again on a 401 and repeat the call",
        ),
        Condition(
            JOB_FAILURE,
            "every job the appliance starts ends FAILED, with an errorMessage; its effect "
            "never happens",
            "follow the job to its end and report the failure instead of assuming success",
        ),
        Condition(
            SLOW_JOBS,
            f"jobs run {SLOW_JOB_FACTOR} times longer",
            "poll the job until it ends, within a generous deadline",
        ),
        Condition(
            TRANSIENT_ERRORS,
            f"every {TRANSIENT_EVERY}th SCV request answers 503 without being processed",
            "retry a 503 after a short wait",
        ),
        Condition(
            TRANSLATION_SPELLING,
            "answers spell the ESX host list AvailableEsxHostsList (the translated pages' "
            "spelling), not availableEsxHostsList",
            "read both spellings",
        ),
        Condition(
            SNAPSHOTLOCATORS,
            "the datastore snapshot locations are served at .../snapshotlocators only (the "
            "mount workflow's path), not .../snapshotlocations",
            "find out which path the appliance serves (its API description, or a 404)",
        ),
    )
}


def unknown(names: tuple[str, ...]) -> list[str]:
    """The names among ``names`` that are no condition."""
    return [name for name in names if name not in CONDITIONS]


class TransientErrors:
    """Answers every ``TRANSIENT_EVERY``-th SCV API request 503, before it is processed.

    Requests are counted in the order they arrive, so a run is repeatable; the API
    description and the emulated vCenter are not counted (``counts`` says which paths are).
    """

    def __init__(self, app: ASGIApp, counts: Callable[[str], bool]) -> None:
        self.app = app
        self._counts = counts
        self._seen = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._counts(scope["path"]):
            with self._lock:
                self._seen += 1
                refuse = self._seen % TRANSIENT_EVERY == 0
            if refuse:
                answer = envelope_response(503, TRANSIENT_MESSAGE)
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)
