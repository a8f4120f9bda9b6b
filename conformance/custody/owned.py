"""The items a run created on the appliance, per listing, each owed in the cleanup ledger.

A created item is owed (``cleanup-ledger.jsonl``, the workflows' ledger, with the request
that removes it) the moment its creation is answered, and settled when it is gone; so an
item is listed as left behind even when the process that made it is killed, and the parent
removes what the ledger still owes (:mod:`conformance.custody.putback`).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance.contract.pointers import lookup
from conformance.custody.holdings import Inverse, Listing, Undoing, item_parameter
from conformance.custody.ledger import Ledger
from conformance.custody.run_names import PREFIX, run_id_of, run_specific

#: The ``workflowId`` of what fuzzing owes in the ledger.
FUZZING = "fuzzing"


@dataclass(frozen=True)
class Removal:
    """The request that removes one item: its operation, path parameters and body."""

    operation_id: str
    method: str
    path: str
    path_parameters: dict[str, Any]
    body: Any

    @property
    def request(self) -> str:
        path = self.path
        for name, value in self.path_parameters.items():
            path = path.replace(f"{{{name}}}", str(value))
        return f"{self.method.upper()} {path}" + (f" {self.body}" if self.body else "")

    def as_json(self) -> dict[str, Any]:
        return {
            "operationId": self.operation_id,
            "method": self.method,
            "path": self.path,
            "pathParameters": self.path_parameters,
            "body": self.body,
        }

    @classmethod
    def from_json(cls, value: Any) -> Removal | None:
        if not isinstance(value, dict):
            return None
        try:
            return cls(
                str(value["operationId"]),
                str(value["method"]),
                str(value["path"]),
                dict(value.get("pathParameters") or {}),
                value.get("body"),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class ListedUndo:
    """What an accepted effect made, to be undone item by item once it is listed: every item
    of the read at ``read`` not among ``before`` (what it listed before the effect was sent)."""

    undoing: Undoing
    read: str
    before: tuple[tuple[Any, ...], ...]
    #: The job the effect started (what it makes is listed once the job has ended).
    job: str | None = None

    @property
    def request(self) -> str:
        undo = self.undoing.undo
        return (
            f"{undo.method.upper()} {undo.path} for each new item of GET {self.read} "
            f"({self.undoing.effect.operation_id} accepted)"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": "listed",
            "effect": self.undoing.effect.operation_id,
            "read": self.read,
            "before": [list(values) for values in self.before],
            "job": self.job,
        }


def listed_values(undoing: Undoing, answer: Any) -> list[tuple[Any, ...]]:
    """The undo values of each item a read of ``undoing`` answered, in order."""
    try:
        items = lookup(answer, undoing.items)
    except (KeyError, IndexError, TypeError, ValueError):
        return []
    if not isinstance(items, list):
        return []
    return [
        tuple(item.get(field) for _, field in undoing.undo_values)
        for item in items
        if isinstance(item, dict)
    ]


def undo_request(undoing: Undoing, values: tuple[Any, ...]) -> Removal:
    """The request that undoes one listed item."""
    body: dict[str, Any] = {}
    path: dict[str, Any] = {}
    for ((where, name), _), value in zip(undoing.undo_values, values, strict=True):
        (body if where == "body" else path)[name] = value
    undo = undoing.undo
    return Removal(undo.operation_id, undo.method, undo.path, path, body or None)


def removal(listing: Listing, identity: str) -> Removal | None:
    """The request that removes item ``identity`` of ``listing`` (None: no way to)."""
    deletion = listing.deletion
    if deletion is None or listing.identity is None:
        return None
    value: Any = int(identity) if identity.isdigit() and listing.identity == "id" else identity
    parameter = item_parameter(deletion)
    if parameter is not None:
        return Removal(
            deletion.operation_id, deletion.method, deletion.path, {parameter: value}, None
        )
    return Removal(
        deletion.operation_id, deletion.method, deletion.path, {}, {listing.identity: value}
    )


class Owned:
    """What this run owns, per listing (by its read's operationId); thread-safe."""

    def __init__(self, run_id: str, ledger: Ledger | None = None) -> None:
        self.run_id = run_id
        self.ledger = ledger
        self._lock = threading.Lock()
        self._items: dict[str, list[str]] = defaultdict(list)
        self._foreign: dict[str, set[str]] = defaultdict(set)
        self._fixtures: dict[str, str] = {}
        self._counter = itertools.count(1)

    def new_name(self, what: str = "fuzz") -> str:
        """A name no one else uses: the run's id and a counter (``scv-conformance-<id>-fuzz-3``)."""
        return run_specific(f"{PREFIX}-{what}-{next(self._counter)}", self.run_id)

    def found(self, listing: Listing, identities: Iterable[str]) -> None:
        """Note what the appliance already holds: never this run's to change."""
        with self._lock:
            owned = set(self._items[listing.read.operation_id])
            self._foreign[listing.read.operation_id].update(
                canonical(i) for i in identities if i not in owned and run_id_of(i) != self.run_id
            )

    def foreign(self, listing: Listing, value: Any) -> bool:
        """True when ``value`` names an item the run found on the appliance."""
        with self._lock:
            return canonical(value) in self._foreign[listing.read.operation_id]

    def owns(self, listing: Listing, value: Any) -> bool:
        with self._lock:
            return canonical(value) in self._items[listing.read.operation_id]

    def fixture(self, listing: Listing) -> str | None:
        """The item the run made to steer requests to (None: none, or it is gone).

        Requests that named someone else's item go to this one, never to an item a
        stateful walk created and is working on.
        """
        with self._lock:
            key = listing.read.operation_id
            found = self._fixtures.get(key)
            return found if found is not None and found in self._items[key] else None

    def add_fixture(self, listing: Listing, identity: str) -> None:
        self.add(listing, identity)
        with self._lock:
            self._fixtures[listing.read.operation_id] = identity

    def known(self, listing: Listing) -> list[str]:
        """Every identity of ``listing`` the run has seen: its own and the appliance's."""
        with self._lock:
            key = listing.read.operation_id
            return [*self._items[key], *self._foreign[key]]

    def all(self, listing: Listing) -> list[str]:
        with self._lock:
            return list(self._items[listing.read.operation_id])

    def add(self, listing: Listing, identity: str) -> None:
        """The run created ``identity``: owe its removal."""
        with self._lock:
            items = self._items[listing.read.operation_id]
            if identity in items:
                return
            items.append(identity)
        undo = removal(listing, identity)
        if self.ledger is not None and undo is not None:
            self.ledger.owe(FUZZING, _key(listing, identity), undo.request, undo=undo.as_json())

    def made(self, listed: ListedUndo) -> None:
        """An effect was accepted: owe undoing what it made."""
        if self.ledger is not None:
            # test processes share the ledger: the process id keeps their keys apart
            number = f"{os.getpid()}-{next(self._counter)}"
            key = f"{listed.undoing.effect.operation_id} {listed.read} #{number}"
            self.ledger.owe(FUZZING, key, listed.request, undo=listed.as_json())

    def undone_by(
        self,
        inverse: Inverse,
        path_parameters: dict[str, Any],
        body: dict[str, Any],
        job: str | None = None,
    ) -> None:
        """An effect with an inverse was accepted: owe the request that undoes it (sent once
        ``job``, the job the effect started, has ended)."""
        if self.ledger is None:
            return
        undo = inverse.undo
        request = Removal(undo.operation_id, undo.method, undo.path, path_parameters, body)
        key = f"{inverse.effect.operation_id} #{os.getpid()}-{next(self._counter)}"
        entry = {**request.as_json(), "job": job, "gone": list(inverse.gone)}
        self.ledger.owe(FUZZING, key, request.request, undo=entry)

    def gone(self, listing: Listing, identity: str) -> None:
        """``identity`` no longer exists (removed, or renamed away): settle its removal."""
        with self._lock:
            items = self._items[listing.read.operation_id]
            if identity not in items:
                return
            items.remove(identity)
        if self.ledger is not None:
            self.ledger.settle(FUZZING, _key(listing, identity))

    def reconcile(self, listing: Listing, present: Iterable[str]) -> None:
        """After an accepted change of the run's: what is gone is settled, and a newcomer
        (the new name of a rename) is owned unless another run's name says otherwise."""
        present = [str(p) for p in present]
        for identity in self.all(listing):
            if identity not in present:
                self.gone(listing, identity)
        for identity in present:
            owner = run_id_of(identity)
            if owner == self.run_id or (owner is None and not self.foreign(listing, identity)):
                self.add(listing, identity)


def canonical(value: Any) -> str:
    """``value`` as an appliance reads an identity: ``1``, ``1.0``, ``"01"`` and ``" 1"`` are
    all ``"1"`` (a JSON number or a path segment parsed as a long); names stay as they are."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    stripped = text.strip()
    if stripped.lstrip("+-").isdigit() and stripped.isascii():
        return str(int(stripped))
    return text


def _key(listing: Listing, identity: str) -> str:
    return f"{listing.read.operation_id} {identity}"
