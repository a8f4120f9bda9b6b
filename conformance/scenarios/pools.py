"""Several inventory objects of one kind, so that workflows need not all wait for one.

``[inventory]`` names one VM (``vm``) and one datastore (``datastore``) that the workflows
work on; two workflows that change the same one never run at the same time
(:mod:`~conformance.scenarios.conflicts`), so with one VM the eleven workflows on it run one
after another. ``vms`` and ``datastores`` list more objects like them (``vms``: VMs with
backups, on ``datastore``; ``datastores``: datastores with backups). When a workflow's first
choice conflicts with what runs, it may run on another object of the pool instead: which
inputs a workflow takes is read from its document, the objects from the inventory; nothing
lists which workflow gets which.

The VMs of ``vms`` are on ``datastore``, like ``vm``: a workflow that takes a VM and a
datastore (a backup checked in the datastore's list) keeps ``datastore``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

from conformance.core.settings import POOL_SEPARATOR

#: The input a pool stands in for -> the inventory name listing more objects like it.
POOLS = {"vm": "vms", "datastore": "datastores"}
#: An input whose pool's objects all live on the first choice of another input.
HOMES = {"vm": "datastore"}


def pool(names: Mapping[str, str], key: str) -> tuple[str, ...]:
    """The objects ``key`` may stand for, ``names[key]`` first, each once."""
    found: list[str] = []
    if names.get(key):
        found.append(names[key])
    listed = names.get(POOLS.get(key, ""), "")
    for name in listed.split(POOL_SEPARATOR) if listed else ():
        if name and name not in found:
            found.append(name)
    return tuple(found)


def choices(inputs: Iterable[str], names: Mapping[str, str]) -> list[dict[str, str]]:
    """The inventory names a workflow taking ``inputs`` may run with, the first choices
    first (``names`` itself), then one object swapped, then two, ..."""
    taken = set(inputs)
    pooled = [key for key in POOLS if key in taken and len(pool(names, key)) > 1]
    pooled = [key for key in pooled if not any(HOMES.get(k) == key for k in taken)]
    options = [pool(names, key) for key in pooled]
    found = [dict(zip(pooled, picked, strict=True)) for picked in itertools.product(*options)]
    found.sort(key=lambda picked: sum(picked[k] != names[k] for k in pooled))
    return [{**names, **picked} for picked in found]
