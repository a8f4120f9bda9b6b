"""Putting the appliance back: the run's items removed, the singletons written back.

Runs in the parent after the test processes have ended, however they ended (finished,
stopped, killed): every item the cleanup ledger still owes for fuzzing is removed with the
request noted beside it, and every singleton the run wrote (a built-in schedule, the audit
configuration) that no longer reads as it did at the start is written back with what it
read then.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.contract.pointers import dereference
from conformance.contract.spec import Contract, resource_of
from conformance.core.errors import HarnessError
from conformance.custody.holdings import Holdings, Listing
from conformance.custody.ledger import LEDGER_NAME, Ledger, leftovers
from conformance.custody.owned import FUZZING, Removal, listed_values, undo_request
from conformance.custody.readings import Reader, State

#: Answers that mean an item is gone: removed now, or already.
GONE = (200, 202, 204, 404)


@dataclass
class PutBack:
    """What putting back did: requests that succeeded, and those that did not (with why)."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"done": self.done, "failed": self.failed}


#: Waits until the jobs with these ids have ended (bounded by the run's job timeout).
JobWait = Callable[[list[str]], None]


def remove_owed(
    scv: Reader,
    found: Holdings,
    run_dir: Path,
    wait: JobWait | None = None,
    concurrency: int = 1,
) -> PutBack:
    """Remove every item fuzzing still owes in ``run_dir``'s ledger, settling each; what an
    effect made is looked for once the job it started has ended (``wait``).

    The items of one resource (:func:`~conformance.contract.spec.resource_of`: policies,
    resource groups, storage systems, ...) go one after another in the order owed; those
    of different resources side by side, up to ``concurrency`` at once. A removal the
    appliance answered with a refusal is tried once more, one at a time, once the others
    are done (it may have waited on one of them). What was done and what failed are
    listed in the order owed, however many ran at once.
    """
    owed = [e for e in leftovers(run_dir) if e.get("workflowId") == FUZZING]
    ledger = Ledger(run_dir / LEDGER_NAME)
    ledger.adopt(owed)
    jobs = [
        str(e["undo"]["job"])
        for e in owed
        if isinstance(e.get("undo"), dict) and e["undo"].get("job")
    ]
    if jobs and wait is not None:
        wait(jobs)
    removals = [_OwedRemoval(entry) for entry in owed]
    lanes: dict[str, list[_OwedRemoval]] = {}
    for removal in removals:
        lanes.setdefault(removal.resource, []).append(removal)

    waiting = threading.Lock()

    def job_ended(job: str) -> None:
        if wait is not None:
            with waiting:  # one wait at a time: it waits for every job the session saw
                wait([job])

    def lane(removals: list[_OwedRemoval]) -> None:
        running = _Running(job_ended)
        for removal in removals:
            removal.attempt(scv, found, running)
            if removal.settled:
                ledger.settle(FUZZING, removal.key)

    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="custody-remove") as pool:
        for done in [pool.submit(lane, removals) for removals in lanes.values()]:
            done.result()
    running = _Running(job_ended)
    for removal in removals:
        if removal.refused:
            removal.retry(scv, running)
            if removal.settled:
                ledger.settle(FUZZING, removal.key)
    result = PutBack()
    for removal in removals:
        result.done += removal.done
        result.failed += [failure for _, failure in removal.failed]
    return result


class _Running:
    """The jobs the undos of one resource started, by request: the same request again
    (a detach of a VMDK attached twice, which names the disk by its location) is sent once
    the job of the first has ended, or both would detach the same disk; any other request
    goes at once."""

    def __init__(self, job_ended: Callable[[str], None]) -> None:
        self.job_ended = job_ended
        self.jobs: dict[str, str] = {}

    def before(self, request: str) -> None:
        job = self.jobs.pop(request, None)
        if job is not None:
            self.job_ended(job)

    def started(self, request: str, job: str | None) -> None:
        if job is not None:
            self.jobs[request] = job


class _OwedRemoval:
    """One owed entry of the ledger and what removing it did so far."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry
        self.key = str(entry["cleanupStep"])
        self.undo = entry.get("undo")
        self.gone = GONE + _gone(self.undo)
        self.done: list[str] = []
        #: the requests that failed, with why (None: no answer came)
        self.failed: list[tuple[Removal | None, str]] = []
        self.settled = False

    @property
    def resource(self) -> str:
        """The resource removing it changes (a listed effect's, by the listing it reads)."""
        undo = self.undo if isinstance(self.undo, dict) else {}
        path = undo.get("read") if undo.get("kind") == "listed" else undo.get("path")
        return resource_of(str(path or ""))

    @property
    def refused(self) -> bool:
        """True when the appliance answered every failed request of it with a refusal."""
        return bool(self.failed) and all(undo is not None for undo, _ in self.failed)

    def attempt(self, scv: Reader, found: Holdings, running: _Running) -> None:
        undos = _undos(scv, found, self.undo)
        if undos is not None:
            self._send(scv, undos, running)

    def retry(self, scv: Reader, running: _Running) -> None:
        undos = [undo for undo, _ in self.failed if undo is not None]
        self.failed = []
        self._send(scv, undos, running)

    def _send(self, scv: Reader, undos: list[Removal], running: _Running) -> None:
        for undo in undos:
            running.before(undo.request)
            try:
                response = scv.request(
                    undo.method.upper(), _path(undo), json=undo.body if undo.body else None
                )
            except HarnessError as exc:
                self.failed.append((None, f"{undo.request}: {exc}"))
                continue
            if response.status_code in self.gone:
                self.done.append(undo.request)
                if 200 <= response.status_code < 300:
                    running.started(undo.request, _job_of(response))
            else:
                self.failed.append((undo, f"{undo.request}: HTTP {response.status_code}"))
        self.settled = not self.failed


def _job_of(response: Any) -> str | None:
    """The job an answer says it started (``response.jobId``), or None."""
    try:
        answer = response.json()
    except ValueError:
        return None
    found = answer.get("response") if isinstance(answer, dict) else None
    job = found.get("jobId") if isinstance(found, dict) else None
    return None if job is None or isinstance(job, (dict, list)) else str(job)


def _gone(undo: Any) -> tuple[int, ...]:
    """More answers an owed undo says mean nothing is left (a detach's 400: not attached)."""
    statuses = undo.get("gone") if isinstance(undo, dict) else None
    return tuple(s for s in statuses or () if isinstance(s, int))


def _undos(scv: Reader, found: Holdings, undo: Any) -> list[Removal] | None:
    """The requests that settle one owed entry (None: it says no way to)."""
    if isinstance(undo, dict) and undo.get("kind") == "listed":
        undoing = next(
            (u for u in found.undoings if u.effect.operation_id == undo.get("effect")), None
        )
        if undoing is None:
            return None
        try:
            response = scv.request("GET", str(undo.get("read")))
            answer = response.json() if response.status_code == 200 else None
        except (HarnessError, ValueError):
            return None
        before = {tuple(values) for values in undo.get("before") or []}
        return [
            undo_request(undoing, values)
            for values in listed_values(undoing, answer)
            if values not in before
        ]
    removal = Removal.from_json(undo)
    return None if removal is None else [removal]


def write_back(
    scv: Reader,
    contract: Contract,
    found: Holdings,
    before: State,
    now: State,
    concurrency: int = 1,
) -> PutBack:
    """Write each singleton that reads differently from ``before`` back as it was: the
    items of one listing one after another, different listings side by side (up to
    ``concurrency`` at once); listed in the order of the listings."""

    def listing_back(listing: Listing) -> PutBack:
        result = PutBack()
        key = listing.read.operation_id
        old, new = before.get(key), now.get(key)
        if not isinstance(old, dict) or not isinstance(new, dict):
            return result
        write = next((op for op in listing.writes if op.method in ("put", "patch")), None)
        if write is None:
            return result
        allowed = _request_fields(contract, write.definition)
        for identity, item in old.items():
            if new.get(identity) == item:
                continue
            body = {name: value for name, value in item.items() if name in allowed}
            what = f"{write.method.upper()} {write.path} ({listing_label(listing, identity)})"
            try:
                response = scv.request(write.method.upper(), write.path, json=body)
            except HarnessError as exc:
                result.failed.append(f"{what}: {exc}")
                continue
            if 200 <= response.status_code < 300:
                result.done.append(what)
            else:
                result.failed.append(f"{what}: HTTP {response.status_code}")
        return result

    result = PutBack()
    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="custody-write") as pool:
        for one in [pool.submit(listing_back, listing) for listing in found.singletons]:
            back = one.result()
            result.done += back.done
            result.failed += back.failed
    return result


def listing_label(listing: Listing, identity: str) -> str:
    return listing.read.operation_id if not identity else f"{listing.read.operation_id} {identity}"


def _path(undo: Removal) -> str:
    path = undo.path
    for name, value in undo.path_parameters.items():
        path = path.replace(f"{{{name}}}", str(value))
    return path


def _request_fields(contract: Contract, definition: Mapping[str, Any]) -> set[str]:
    """The property names of an operation's JSON request body (allOf parts merged)."""
    document = contract.document
    body = dereference(document, definition.get("requestBody") or {}, {})
    schema = ((body.get("content") or {}).get("application/json") or {}).get("schema") or {}

    def names(node: Any) -> set[str]:
        node = dereference(document, node, {})
        if not isinstance(node, dict):
            return set()
        found = set(node.get("properties") or {})
        for part in node.get("allOf") or []:
            found |= names(part)
        return found

    return names(schema)
