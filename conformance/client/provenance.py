"""Where the values a client sends come from: the answers it got earlier.

The documented workflows are chains: note the backup id of a VM's backups, then ask for
that backup's snapshot locations, then restore from one of them through an ESXi host the
appliance listed. A client that sends a backup id, a snapshot location, an ESXi host, a
datastore, a job id or a moref that no answer gave it has made it up (or brought it from
another appliance): a failure even when the appliance happens to answer.

Which parts of a request are such references is said once, here: every path parameter, and
the body fields :data:`REFERENCE_FIELDS` names (at any depth), and a few fields of single
operations (:data:`OPERATION_REFERENCES`). Morefs come from vCenter (or its Managed Object
Browser): they are judged only once the client has talked to vCenter through the proxy,
and a VM's uuid (the workflow of a deleted VM takes it from the browser) never is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.http.redaction import REDACTED

#: Body fields (at any depth) whose values name something the appliance listed.
REFERENCE_FIELDS = frozenset(
    {
        "policyId",
        "resourceGroupId",
        "backupId",
        "esxHost",
        "esxHostName",
        "datastore",
        "location",
        "alternateVmMoref",
        "moref",
        "entities",
        "jobIds",
        "restoreToDatastore",
        "restoreToDatestore",
        "vmdkName",
    }
)
#: Fields of one operation that name something listed: (operationId, field path), where
#: ``*`` stands for any list index.
OPERATION_REFERENCES = frozenset(
    {
        ("modifyStorageSystem", "name"),
        ("deleteStorageSystem", "name"),
        ("renameStorageSystem", "existingSVM.name"),
        ("modifySchedule", "name"),
        ("createResourceGroup", "policies.*.id"),
        ("updateResourceGroup", "policies.*.id"),
    }
)
#: References that vCenter gives (morefs), judged only when vCenter's answers were seen.
VCENTER_REFERENCES = frozenset({"moref", "entities", "alternateVmMoref"})
#: Values longer than this are not kept (no id is that long; a log file's text is).
MAX_VALUE_LENGTH = 512
#: At most this many distinct values are kept; past it, later ones are not judged.
MAX_VALUES = 200_000
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


#: The kind of id a numeric reference must have been given as (numbers collide: a policy
#: and a backup may both be 1). Other references are strings, compared whatever field
#: gave them.
KINDS = {
    "policyId": "policyId",
    "resourceGroupId": "resourceGroupId",
    "backupId": "backupId",
    "jobIds": "jobId",
    "id": "jobId",
}
#: Words of a list's (or an operation's path) name that say what its items' ``id`` is.
_ID_WORDS = (
    ("polic", "policyId"),
    ("resource", "resourceGroupId"),
    ("job", "jobId"),
    ("backup", "backupId"),
)


@dataclass(frozen=True)
class Reference:
    """One value of a request that must come from an earlier answer."""

    #: ``path parameter backupId`` or ``body field restoreLocations/0/esxHost``.
    where: str
    name: str
    value: str
    #: The kind of id a numeric value must have been given as (None: any).
    kind: str | None = None

    @property
    def from_vcenter(self) -> bool:
        return self.name in VCENTER_REFERENCES

    @property
    def is_uuid(self) -> bool:
        return bool(_UUID.match(self.value))

    @property
    def numeric(self) -> bool:
        return self.value.lstrip("-").isdigit()


def references(
    operation_id: str, path_parameters: dict[str, str], body: Any
) -> Iterator[Reference]:
    """The references of one request of ``operation_id``."""
    for name, value in path_parameters.items():
        yield Reference(f"path parameter {name}", name, value, KINDS.get(name))
    yield from _body_references(operation_id, body, [], None)


def _body_references(
    operation_id: str, node: Any, trail: list[str], field: str | None
) -> Iterator[Reference]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _body_references(operation_id, value, [*trail, str(key)], str(key))
        return
    if isinstance(node, list):
        for index, value in enumerate(node):
            yield from _body_references(operation_id, value, [*trail, str(index)], field)
        return
    if node is None or isinstance(node, bool) or field is None:
        return
    generic = ".".join("*" if part.isdigit() else part for part in trail)
    if field in REFERENCE_FIELDS or (operation_id, generic) in OPERATION_REFERENCES:
        kind = "policyId" if generic.startswith("policies.") else KINDS.get(field)
        yield Reference(f"body field {'/'.join(trail)}", field, str(node), kind)


class Known:
    """Every value the client was given in an answer, and what it learned of backups."""

    def __init__(self) -> None:
        #: value -> the kinds of field that gave it
        self.values: dict[str, set[str]] = {}
        #: backupId -> whether the appliance said it is partial
        self.partial: dict[str, bool] = {}
        self.vcenter_seen = False
        self.full = False

    def learn(self, resource: str, body: Any, vcenter: bool = False) -> set[str]:
        """Keep every scalar of the decoded JSON answer ``body``; the values it was the
        first to give. ``resource`` names what the answering path is about
        (``policies``, ``jobs``): an ``id`` at its top is one of those."""
        self.vcenter_seen = self.vcenter_seen or vcenter
        new: set[str] = set()
        for kind, value in _scalars(body, "", resource, self):
            kinds = self.values.get(value)
            if kinds is None:
                if len(self.values) >= MAX_VALUES:
                    self.full = True
                    return new
                kinds = self.values[value] = set()
                new.add(value)
            kinds.add(kind)
        return new

    def knows(self, reference: Reference) -> bool | None:
        """True when an answer gave the value, False when none did, None when it cannot
        be told (a redacted value, a moref before any vCenter answer, a VM's uuid)."""
        if reference.value == REDACTED or REDACTED in reference.value:
            return None
        kinds = self.values.get(reference.value)
        if kinds is not None and (
            not reference.numeric or reference.kind is None or reference.kind in kinds
        ):
            return True
        if reference.from_vcenter and (not self.vcenter_seen or reference.is_uuid):
            return None
        return None if self.full else False


def _kind(key: str, parent: str, resource: str) -> str:
    """What kind of value a field holds: ``policyId`` for the ``id`` of a policy."""
    if key == "id":
        where = (parent if parent and parent != "response" else resource).lower()
        return next((kind for word, kind in _ID_WORDS if word in where), "id")
    return key


def _scalars(
    node: Any, key: str, resource: str, known: Known, parent: str = "", depth: int = 0
) -> Iterator[tuple[str, str]]:
    """(kind, value) of the scalars of a JSON document, noting partial backups."""
    if depth > 64:
        return
    if isinstance(node, dict):
        if "backupId" in node and isinstance(node.get("partialBackup"), bool):
            known.partial[str(node["backupId"])] = node["partialBackup"]
        for name, value in node.items():
            yield from _scalars(value, str(name), resource, known, key, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _scalars(value, key, resource, known, parent, depth + 1)
    elif isinstance(node, str):
        if 0 < len(node) <= MAX_VALUE_LENGTH:
            yield _kind(key, parent, resource), node
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield _kind(key, parent, resource), str(node)
