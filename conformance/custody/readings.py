"""The appliance's state as its users see it, read through the API, and what changed in it.

A destructive run reads it at the start and at the end: every listing of the contract
(:mod:`conformance.custody.holdings`: storage systems, policies, resource groups,
schedules, the audit configuration) and, from vCenter, the VMs (power state included),
the datastores and each VM's disks. Fields that change on their own (a datastore's free
space) are left out, so two readings of an untouched appliance are equal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from conformance.core.errors import HarnessError
from conformance.custody.holdings import Holdings, Listing

#: vCenter's listings (path, the field that identifies an entry, the fields compared).
VCENTER_VMS = ("/api/vcenter/vm", "vm", ("name", "power_state", "cpu_count", "memory_size_MiB"))
VCENTER_DATASTORES = ("/api/vcenter/datastore", "datastore", ("name", "type", "capacity"))
VCENTER_DISKS = "/api/vcenter/vm/{vm}/hardware/disk"
#: The state's keys for what vCenter shows.
VMS, DATASTORES, DISKS = "vCenter VMs", "vCenter datastores", "vCenter disks"

State = dict[str, Any]


class Reader(Protocol):
    """What reads the state: a client with ``request(method, path)`` (SCV's or vCenter's)."""

    def request(self, method: str, path: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class Difference:
    """One thing that is not as it was: where, which item, and its value before and after."""

    where: str
    item: str
    before: Any
    after: Any

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"

    def line(self) -> str:
        if self.kind == "added":
            return f"{self.where}: {self.item} added{_named(self.after)}"
        if self.kind == "removed":
            return f"{self.where}: {self.item} removed{_named(self.before)}"
        if isinstance(self.before, dict) and isinstance(self.after, dict):
            changed = [
                f"{key} {_text(self.before.get(key))} -> {_text(self.after.get(key))}"
                for key in sorted(set(self.before) | set(self.after))
                if self.before.get(key) != self.after.get(key)
            ]
            return f"{self.where}: {self.item} changed: {'; '.join(changed)}"
        return f"{self.where}: {self.item} changed from {_text(self.before)} to {_text(self.after)}"

    def as_json(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "item": self.item,
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
            "message": self.line(),
        }


def read_state(scv: Reader, vcenter: Reader | None, found: Holdings, concurrency: int = 1) -> State:
    """Everything a user sees, as comparable values (an unreadable part is noted as such).

    Every read is a GET, so up to ``concurrency`` of them are in flight at once (the
    run's ``--concurrency``): the listings beside vCenter's VM list (the call that opens
    its session), then the datastores beside each VM's disks. The state is the same
    however many.
    """
    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="custody-read") as pool:
        listings = _submitted(pool, scv, found.listings)
        if vcenter is None:
            return {where: read.result() for where, read in listings.items()}
        vms = pool.submit(_vcenter_listing, vcenter, *VCENTER_VMS).result()
        datastores = pool.submit(_vcenter_listing, vcenter, *VCENTER_DATASTORES)
        disks = {
            vm: pool.submit(_disks, vcenter, vm)
            for vm in (sorted(vms) if isinstance(vms, dict) else ())
            if not vm.startswith("(")
        }
        state: State = {where: read.result() for where, read in listings.items()}
        state[VMS] = vms
        state[DATASTORES] = datastores.result()
        if isinstance(vms, dict):
            state[DISKS] = {vm: read.result() for vm, read in disks.items()}
    return state


def read_listings(scv: Reader, listings: Iterable[Listing], concurrency: int = 1) -> State:
    """The part of the state that ``listings`` show, read as :func:`read_state` reads it."""
    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="custody-read") as pool:
        return {where: read.result() for where, read in _submitted(pool, scv, listings).items()}


def _submitted(
    pool: ThreadPoolExecutor, scv: Reader, listings: Iterable[Listing]
) -> dict[str, Future[Any]]:
    return {listing.read.operation_id: pool.submit(_listing, scv, listing) for listing in listings}


def differences(before: State, after: State) -> list[Difference]:
    """What differs between two readings, item by item."""
    found: list[Difference] = []
    for where in sorted(set(before) | set(after)):
        old, new = before.get(where), after.get(where)
        if isinstance(old, dict) and isinstance(new, dict):
            found += _compare(where, old, new)
        elif old != new:
            found.append(Difference(where, "(the whole listing)", old, new))
    return found


def _compare(where: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Difference]:
    found = []
    for key in sorted(set(old) | set(new), key=str):
        if old.get(key) != new.get(key):
            found.append(Difference(where, str(key), old.get(key), new.get(key)))
    return found


def _get(reader: Reader, path: str) -> Any:
    """The JSON of a 200 answer to GET ``path``; a string saying why not, otherwise."""
    try:
        response = reader.request("GET", path)
    except HarnessError as exc:
        return f"(unreadable: {exc})"
    if response.status_code != 200:
        return f"(unreadable: HTTP {response.status_code})"
    try:
        return response.json()
    except ValueError:
        return "(unreadable: not JSON)"


def _listing(scv: Reader, listing: Listing) -> Any:
    answer = _get(scv, listing.path)
    if isinstance(answer, str):
        return answer
    items = listing.items(answer)
    if listing.identity is None:
        return {"": items[0]} if items else {}
    return {str(item.get(listing.identity)): item for item in items}


def _vcenter_listing(vcenter: Reader, path: str, key: str, fields: tuple[str, ...]) -> Any:
    answer = _get(vcenter, path)
    if isinstance(answer, str) or not isinstance(answer, list):
        return answer if isinstance(answer, str) else "(unreadable: not a list)"
    return {
        str(entry.get(key)): {name: entry.get(name) for name in fields if name in entry}
        for entry in answer
        if isinstance(entry, dict)
    }


def _disks(vcenter: Reader, vm: str) -> Any:
    answer = _get(vcenter, VCENTER_DISKS.format(vm=vm))
    if isinstance(answer, str) or not isinstance(answer, list):
        return answer if isinstance(answer, str) else "(unreadable: not a list)"
    return sorted(str(entry.get("disk")) for entry in answer if isinstance(entry, dict))


def _named(item: Any) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f" ({_text(name)})" if name is not None else ""


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
