"""One destructive run at a time per appliance: a marker on the appliance itself says which.

Two destructive runs against one appliance (a nightly CI job and a QA engineer, on two
machines) would each see the other's objects change under it. So a destructive run first
takes the appliance: it creates a *marker*, a policy named
``scv-conformance-hold-<run id>-<since>-<until>`` (times in UTC, ``YYYYmmddHHMMSS``). A
policy because its creation is documented (``createPolicy``) and costs nothing: a policy
no resource group uses backs nothing up. The run lists the policies before and after
creating its marker: it holds the appliance when its marker is the first of the live ones,
first by the id the appliance gave it (the appliance numbers what it creates in order, so
a marker made after another run has looked always comes later, whatever the machines'
clocks say), then by (since, run id). Otherwise it removes its marker and waits.

A marker whose ``until`` has passed is a run that ended without giving the appliance back
(killed, or its machine lost): it is removed, with a line saying so. ``until`` bounds the
holder's whole run, cleanup included. Times are the appliance's (its answers' ``Date``
header), so two machines' clocks need not agree.

The marker is created before the run reads the state it starts from and removed after it
has read the state at the end, so the run's own account (:mod:`conformance.custody.account`)
sees it in both readings; it is owed in the cleanup ledger while it exists.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from conformance.core.errors import HarnessError
from conformance.custody.ledger import Ledger
from conformance.custody.readings import Reader
from conformance.custody.run_names import PREFIX

POLICIES = "/4.1/policies"
MARKER_PREFIX = f"{PREFIX}-hold"
#: The ledger's ``workflowId`` of the marker.
HOLD = "hold"
_STAMP = "%Y%m%d%H%M%S"
_MARKER = re.compile(
    rf"^{MARKER_PREFIX}-(?P<run_id>[0-9a-f]{{6}})-(?P<since>\d{{14}})-(?P<until>\d{{14}})$"
)
#: Seconds between two looks at the holder's marker while waiting.
POLL_SECONDS = 5.0


class Busy(HarnessError):
    """Another destructive run holds the appliance (one line: who, since when, until when)."""


@dataclass(frozen=True)
class Marker:
    """A hold marker as the policies listing shows it."""

    run_id: str
    since: datetime
    until: datetime
    identity: str | None = None

    @property
    def name(self) -> str:
        return (
            f"{MARKER_PREFIX}-{self.run_id}-{self.since.strftime(_STAMP)}-"
            f"{self.until.strftime(_STAMP)}"
        )

    @classmethod
    def parsed(cls, name: Any, identity: Any = None) -> Marker | None:
        """The marker a policy name describes, or None for any other name."""
        found = _MARKER.match(name) if isinstance(name, str) else None
        if found is None:
            return None
        try:
            since = datetime.strptime(found.group("since"), _STAMP).replace(tzinfo=UTC)
            until = datetime.strptime(found.group("until"), _STAMP).replace(tzinfo=UTC)
        except ValueError:
            return None
        return cls(found.group("run_id"), since, until, None if identity is None else str(identity))

    def expired(self, now: datetime) -> bool:
        return now >= self.until

    def order(self) -> tuple[int, int, datetime, str]:
        """First the appliance's own order (numeric ids), then (since, run id)."""
        number = self.identity if self.identity is not None and self.identity.isdigit() else None
        return (0 if number is not None else 1, int(number or 0), self.since, self.run_id)

    def remedy(self) -> str:
        """What frees the appliance when the holder is gone (its machine lost, say)."""
        policy = f"policy {self.identity}" if self.identity is not None else "the policy"
        return (
            f" (if run {self.run_id} is no longer going, deleting {policy} ({self.name}) "
            "frees the appliance at once)"
        )

    def line(self) -> str:
        return (
            f"scv-conformance run {self.run_id} holds this appliance for a destructive run "
            f"since {shown(self.since)}, until {shown(self.until)} at most"
        )


def is_marker(name: Any) -> bool:
    """True for the name of a hold marker (any run's)."""
    return Marker.parsed(name) is not None


class Hold:
    """Takes the appliance for one run, and gives it back."""

    def __init__(
        self,
        scv: Reader,
        run_id: str,
        say: Callable[[str], None],
        *,
        ledger: Ledger | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        poll: float = POLL_SECONDS,
    ) -> None:
        self.scv = scv
        self.run_id = run_id
        self.say = say
        self.ledger = ledger
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sleep = sleep
        self._monotonic = monotonic
        self.poll = poll
        #: The appliance's clock less ours, from its answers' Date header.
        self._offset = timedelta(0)
        self.mine: Marker | None = None
        #: The marker this run held the appliance with (kept once given back).
        self.taken: Marker | None = None
        #: The other run's marker that held the appliance when this run last looked.
        self.holder: Marker | None = None
        #: Seconds waited for another run's marker.
        self.waited = 0.0
        #: The expired markers already told of.
        self._expired: set[str] = set()

    def now(self) -> datetime:
        """The appliance's time (ours, corrected by what its last answer said)."""
        return self._clock() + self._offset

    def take(
        self,
        hold_seconds: float | Callable[[], float],
        *,
        refuse: bool,
        wait_until: float | None = None,
        stopped: Callable[[], bool] = lambda: False,
    ) -> bool:
        """Hold the appliance for ``hold_seconds`` from when it is taken (a callable: asked
        then, as waiting spends the run's time). True once held;
        False when ``stopped`` ended the wait. Busy when another run holds it and
        ``refuse`` is set, or it still does at ``wait_until`` (a ``monotonic`` time)."""
        started = self._monotonic()
        told: Marker | None = None
        while True:
            others = self._others()
            if not others:
                seconds = hold_seconds() if callable(hold_seconds) else hold_seconds
                if self._create(seconds):
                    self.waited = self._monotonic() - started
                    self.taken = self.mine
                    return True
                continue  # another run's marker came first: it holds the appliance
            holder = min(others, key=Marker.order)
            self.holder = holder
            self.waited = self._monotonic() - started
            if refuse:
                raise Busy(f"{holder.line()}; not waiting (--if-busy refuse){holder.remedy()}")
            if wait_until is not None and self._monotonic() >= wait_until:
                raise Busy(
                    f"{holder.line()}; waited {self.waited:.0f} s, the run's --max-time "
                    f"allows no more{holder.remedy()}"
                )
            if holder != told:
                limit = "" if wait_until is None else ", or as long as --max-time allows"
                self.say(f"{holder.line()}: this run waits until it ends{limit}")
                told = holder
            pause = self.poll
            if wait_until is not None:
                pause = max(0.0, min(pause, wait_until - self._monotonic()))
            if stopped():
                return False
            self._sleep(pause)
            if stopped():
                return False

    def give_back(self) -> str | None:
        """Remove this run's marker; a line saying why not when it cannot be (None: done)."""
        mine, self.mine = self.mine, None
        if mine is None or mine.identity is None:
            return None
        try:
            status = self.scv.request("DELETE", f"{POLICIES}/{mine.identity}").status_code
        except HarnessError as exc:
            status, why = None, str(exc)
        else:
            why = f"HTTP {status}"
        if status in (200, 202, 204, 404):
            if self.ledger is not None:
                self.ledger.settle(HOLD, mine.name)
            return None
        return (
            f"this run's hold on the appliance (policy {mine.name}) could not be removed: "
            f"{why}; other runs ignore it after {shown(mine.until)}"
        )

    def _others(self) -> list[Marker]:
        """The live markers of other runs; expired ones are removed, with a line each."""
        now = self.now()
        others = []
        for marker in self._markers():
            if marker.run_id == self.run_id:
                continue
            if not marker.expired(now):
                others.append(marker)
                continue
            answer = self._delete(marker)
            if marker.name in self._expired:
                continue  # said once
            self._expired.add(marker.name)
            what = (
                f"the hold of scv-conformance run {marker.run_id} (since "
                f"{shown(marker.since)}, until {shown(marker.until)})"
            )
            self.say(
                f"removed {what}: it ended without giving the appliance back"
                if answer is None
                else f"ignored {what}: it has expired, but could not be removed ({answer})"
            )
        return others

    def _create(self, hold_seconds: float) -> bool:
        """Create this run's marker and look again: True when it is the first live one."""
        since = self.now().replace(microsecond=0)
        until = since + timedelta(seconds=max(1, round(hold_seconds)))
        wanted = Marker(self.run_id, since, until)
        body = {
            "name": wanted.name,
            "description": (
                f"Held by scv-conformance run {self.run_id} for a destructive run until "
                f"{shown(until)} at most; removed when the run ends. Do not use this policy."
            ),
            "frequency": "DAILY",
            "retention": {"type": "DAYS", "value": 1},
        }
        response = self.scv.request("POST", POLICIES, json=body)
        self._note_date(response)
        if not 200 <= response.status_code < 300:
            raise HarnessError(
                f"the appliance refused the policy that marks it held (createPolicy answered "
                f"HTTP {response.status_code}); a destructive run needs it"
            )
        created = _field(response, "id")
        mine = next(
            (m for m in self._markers() if m.name == wanted.name),
            Marker(wanted.run_id, since, until, None if created is None else str(created)),
        )
        self.mine = mine
        if self.ledger is not None and mine.identity is not None:
            self.ledger.owe(HOLD, mine.name, f"DELETE {POLICIES}/{mine.identity}")
        live = [m for m in self._markers() if not m.expired(self.now())]
        if mine.identity is None or min([mine, *live], key=Marker.order) == mine:
            return True
        self.give_back()
        return False

    def _markers(self) -> list[Marker]:
        response = self.scv.request("GET", POLICIES)
        self._note_date(response)
        if response.status_code != 200:
            raise HarnessError(
                f"the policies could not be listed to see whether another run holds the "
                f"appliance (HTTP {response.status_code})"
            )
        try:
            listed = (response.json().get("response") or {}).get("policyResponseList") or []
        except (ValueError, AttributeError):
            listed = []
        found = []
        for item in listed:
            if isinstance(item, dict):
                marker = Marker.parsed(item.get("name"), item.get("id"))
                if marker is not None:
                    found.append(marker)
        return found

    def _delete(self, marker: Marker) -> str | None:
        if marker.identity is None:
            return "it has no id"
        try:
            status = self.scv.request("DELETE", f"{POLICIES}/{marker.identity}").status_code
        except HarnessError as exc:
            return str(exc)
        return None if status in (200, 202, 204, 404) else f"HTTP {status}"

    def _note_date(self, response: Any) -> None:
        """Keep the appliance's clock: its answers' Date header (to the second)."""
        try:
            stated = parsedate_to_datetime(response.headers.get("date", ""))
        except (TypeError, ValueError, AttributeError):
            return
        if stated.tzinfo is None:
            return
        self._offset = stated - self._clock() + timedelta(seconds=0.5)


def _field(response: Any, name: str) -> Any:
    try:
        answer = response.json()
    except ValueError:
        return None
    found = answer.get("response") if isinstance(answer, dict) else None
    return found.get(name) if isinstance(found, dict) else None


def shown(moment: datetime) -> str:
    """A moment as lines show it: ``2026-12-07 01:00:00 UTC``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
