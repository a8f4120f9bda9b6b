"""Fuzzing on what the run owns: schemathesis' requests steered before they leave.

With state changes allowed, every case of every phase (examples, coverage, fuzzing, the
stateful walk along links) passes schemathesis' ``before_call`` hook, where
:class:`~conformance.custody.steering.Steering` makes it address items the run created
(named with the run's id) instead of the appliance's own; ``after_call`` keeps the record of
what the run owns true (and so what it owes in the cleanup ledger). Those two hooks are
schemathesis' only ones that see every phase's cases as they are sent; they are global, so
they are registered once per process and steer while a suite is :meth:`SteeredCases.active`.
``before_call`` also leaves out the framing headers a negative case generates
(:mod:`conformance.fuzz.framing`), in every phase and whatever the steering.
Logins are steered in read-only runs too: a fuzzed login never names the configured user,
and fuzzed logins are bounded and paced (:class:`LoginPace`).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import requests
import schemathesis
from schemathesis import Case, Response

from conformance.contract.spec import Contract, Operation
from conformance.core.errors import HarnessError
from conformance.custody.holdings import Holdings, Listing, holdings
from conformance.custody.owned import Owned
from conformance.custody.steering import Request, Steering
from conformance.fuzz.framing import drop_framing
from conformance.fuzz.probes import ProbeRequest
from conformance.fuzz.st_config import LOGIN, LOGIN_CASES
from conformance.fuzz.st_internals import NOT_SET
from conformance.http.session import ScvSession

#: At most this many fuzzed logins per test process, one at a time, this far apart: each
#: that fails is a failed login an account-lockout policy counts.
LOGIN_BUDGET = 3 * LOGIN_CASES
LOGIN_PACE_SECONDS = 0.25

_ACTIVE: list[SteeredCases] = []
_REGISTERED = threading.Event()
_LOCK = threading.Lock()


class SteeredCases:
    """The steering of one fuzzing suite, with the session it makes and lists items with."""

    def __init__(
        self,
        contract: Contract,
        session: ScvSession,
        owned: Owned,
        *,
        destructive: bool,
    ) -> None:
        self.contract = contract
        self.session = session
        self.destructive = destructive
        self.found: Holdings = holdings(contract)
        self.owned = owned
        self.steering = Steering(
            self.found, owned, self._make, self._relist, session.target.username, self._get
        )
        self._by_route = {(op.method, op.path): op for op in contract.operations}
        self.logins = LoginPace()

    def survey(self, concurrency: int = 1) -> None:
        """Note what the appliance holds before anything is sent: never the run's. The
        listings are read side by side, up to ``concurrency`` at once."""
        if not self.destructive:
            return
        ownable = [listing for listing in self.found.listings if listing.ownable]
        with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="survey") as pool:
            listed = [pool.submit(self._relist, listing) for listing in ownable]
            for listing, present in zip(ownable, listed, strict=True):
                self.owned.found(listing, present.result() or [])

    @contextmanager
    def active(self) -> Iterator[SteeredCases]:
        """Steer every case schemathesis sends within the block."""
        _register()
        with _LOCK:
            _ACTIVE.append(self)
        try:
            yield self
        finally:
            with _LOCK:
                _ACTIVE.remove(self)

    def operation(self, method: str, path: str) -> Operation | None:
        return self._by_route.get((method.lower(), path))

    def steer(self, operation: Operation, request: Request) -> None:
        if operation.mutates and not self.destructive:
            return  # a read-only run's guard refuses it anyway
        self.steering.steer(operation, request)

    def probe_request(self, probe: ProbeRequest) -> ProbeRequest:
        """A probe's valid request, steered as a positive case is."""
        operation = self.operation(probe.method, probe.path_template)
        if operation is None:
            return probe
        request = Request(dict(probe.path_values), copy.deepcopy(probe.body))
        self.steer(operation, request)
        values = {name: str(value) for name, value in request.path_parameters.items()}
        return replace(probe, path_values=values, body=request.body)

    def answered(self, operation: Operation, request: Request, status: int, answer: Any) -> None:
        if self.destructive:
            self.steering.answered(operation, request, status, answer)

    def _make(self, listing: Listing) -> str | None:
        """Create an item of ``listing`` from its creation's documented example."""
        creation = listing.creation
        example = _example(creation.definition) if creation is not None else None
        if creation is None or not isinstance(example, dict):
            return None
        body = copy.deepcopy(example)
        self.steering.steer(creation, Request({}, body))
        try:
            response = self.session.request(creation.method.upper(), creation.path, json=body)
        except HarnessError:
            return None
        if not 200 <= response.status_code < 300:
            return None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        identity = listing.identity or ""
        made = (answer or {}).get("response", {}) if isinstance(answer, dict) else {}
        value = made.get(identity) if isinstance(made, dict) else None
        value = value if value is not None else body.get(identity)
        return None if value is None else str(value)

    def _get(self, path: str) -> Any:
        try:
            response = self.session.request("GET", path)
            return response.json() if response.status_code == 200 else None
        except (HarnessError, ValueError):
            return None

    def _relist(self, listing: Listing) -> list[str] | None:
        try:
            response = self.session.request("GET", listing.path)
            answer = response.json() if response.status_code == 200 else None
        except (HarnessError, ValueError):
            return None
        if answer is None or listing.identity is None:
            return None
        return [str(item.get(listing.identity)) for item in listing.items(answer)]


def _example(definition: dict[str, Any]) -> Any:
    content = ((definition.get("requestBody") or {}).get("content") or {}).get(
        "application/json"
    ) or {}
    if "example" in content:
        return content["example"]
    examples = content.get("examples") or {}
    first = next(iter(examples.values()), None)
    return first.get("value") if isinstance(first, dict) else None


def _current() -> SteeredCases | None:
    with _LOCK:
        return _ACTIVE[-1] if _ACTIVE else None


def _request_of(case: Case) -> Request:
    meta = getattr(case, "meta", None)
    generation = getattr(meta, "generation", None)
    mode = getattr(generation, "mode", None)
    negative = bool(getattr(mode, "is_negative", False))
    body = None if case.body is NOT_SET else case.body
    if case.path_parameters is None:
        case.path_parameters = {}
    return Request(case.path_parameters, body, negative)


class LoginBudgetSpent(requests.exceptions.RequestException):
    """The run's fuzzed logins are spent: this one was not sent."""


class LoginPace:
    """Bounds and paces fuzzed logins (the harness's own logins are not counted)."""

    def __init__(self, budget: int = LOGIN_BUDGET, pace: float = LOGIN_PACE_SECONDS) -> None:
        self.budget = budget
        self.pace = pace
        self.sent = 0
        self._last: float | None = None
        self._lock = threading.Lock()

    def admit(self) -> None:
        """Wait for this login's turn; LoginBudgetSpent once the budget is spent."""
        with self._lock:
            if self.sent >= self.budget:
                raise LoginBudgetSpent(
                    f"{self.budget} fuzzed logins sent: no more in this run (account lockout)"
                )
            if self._last is not None:
                wait = self._last + self.pace - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            self._last = time.monotonic()
            self.sent += 1


def _before_call(context: Any, case: Case, kwargs: dict[str, Any]) -> None:
    drop_framing(case.headers)
    steered = _current()
    if steered is None:
        return
    operation = steered.operation(case.method, case.operation.path)
    if operation is None:
        return
    if operation.operation_id == LOGIN:
        steered.logins.admit()
    request = _request_of(case)
    steered.steer(operation, request)
    if request.body is not None and case.body is not NOT_SET:
        case.body = request.body


def _after_call(context: Any, case: Case, response: Response) -> None:
    steered = _current()
    if steered is None:
        return
    operation = steered.operation(case.method, case.operation.path)
    if operation is None or not operation.mutates:
        return
    try:
        answer = response.json()
    except ValueError:
        answer = None
    steered.answered(operation, _request_of(case), response.status_code, answer)


def _register() -> None:
    with _LOCK:
        if _REGISTERED.is_set():
            return
        schemathesis.hook("before_call")(_before_call)
        schemathesis.hook("after_call")(_after_call)
        _REGISTERED.set()
