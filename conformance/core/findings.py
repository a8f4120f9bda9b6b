"""What the preflight found out about the target, for the whole run to use.

The vendor's pages name some things two ways: the ESX host list of the ESX-host calls is
``availableEsxHostsList`` (English pages) or ``AvailableEsxHostsList`` (the Italian
translation), and the datastore snapshot locations are at ``.../snapshotlocations`` or
``.../snapshotlocators`` (alternative operations naming each other in
``x-scv-alternative-of``). The preflight finds out once which one the appliance uses;
the fuzzing suite then leaves out the alternative it does not serve and the workflows call
the one it serves. The findings travel to the child in the run manifest (``preflight``) and
into ``summary.json``, ``summary.md`` and the Allure environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.contract.spec import Contract, Operation
from conformance.core.skips import Skip, SkipKind

#: The datastore snapshot-location path segments; ``both`` when the appliance serves both.
SNAPSHOT_PATHS = ("snapshotlocations", "snapshotlocators")
BOTH = "both"
#: The answer key of the ESX host lists, per spelling.
ESX_HOSTS_KEYS = {"english": "availableEsxHostsList", "translation": "AvailableEsxHostsList"}


def path_segment(operation: Operation) -> str:
    """The last segment of an operation's path (``snapshotlocators``)."""
    return operation.path.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Findings:
    """The appliance as the preflight saw it; None where it could not tell."""

    version: str | None = None
    title: str | None = None
    #: ``snapshotlocations``, ``snapshotlocators``, ``both`` or None (not found out).
    snapshot_path: str | None = None
    #: ``english``, ``translation`` or None (not found out).
    esx_hosts_spelling: str | None = None
    #: True when the vCenter login worked, None when no vCenter was given.
    vcenter_ok: bool | None = None
    #: Sentences for people: what was found out and how.
    notes: tuple[str, ...] = ()
    #: The operations the appliance's own API description lists: ``"GET /4.1/jobs"`` ->
    #: its operationId (None when it gives none); empty when it serves no description.
    described_operations: Mapping[str, str | None] = field(default_factory=dict)
    seconds: float = 0.0

    def unserved_skip(self, operation: Operation) -> Skip | None:
        """A not-applicable skip for an alternative operation the appliance does not serve."""
        if operation.alternative_of is None or self.snapshot_path in (None, BOTH):
            return None
        segment = path_segment(operation)
        if segment not in SNAPSHOT_PATHS or segment == self.snapshot_path:
            return None
        return Skip(
            SkipKind.NOT_APPLICABLE,
            f"{operation.operation_id}: the appliance serves {self.snapshot_path}, not "
            f"{segment} (an alternative path of the vendor's pages; the preflight found out "
            f"which one), so {operation.alternative_of} is checked instead",
        )

    def served_operation(self, operation_id: str, contract: Contract) -> str:
        """The operationId to call for ``operation_id``: its served alternative if needed."""
        try:
            operation = contract.operation(operation_id)
        except KeyError:
            return operation_id
        if self.unserved_skip(operation) is None:
            return operation_id
        return operation.alternative_of or operation_id

    @property
    def esx_hosts_key(self) -> str | None:
        """The key under which the appliance answers ESX host lists, when found out."""
        if self.esx_hosts_spelling is None:
            return None
        return ESX_HOSTS_KEYS[self.esx_hosts_spelling]

    def as_json(self) -> dict[str, Any]:
        """The findings as the manifest and summary.json hold them."""
        return {
            "version": self.version,
            "title": self.title,
            "snapshot_path": self.snapshot_path,
            "esx_hosts_spelling": self.esx_hosts_spelling,
            "vcenter_ok": self.vcenter_ok,
            "notes": list(self.notes),
            "described_operations": dict(self.described_operations),
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Findings:
        """Findings written by :meth:`as_json`."""
        described = data.get("described_operations") or {}
        return cls(
            version=data.get("version"),
            title=data.get("title"),
            snapshot_path=data.get("snapshot_path"),
            esx_hosts_spelling=data.get("esx_hosts_spelling"),
            vcenter_ok=data.get("vcenter_ok"),
            notes=tuple(str(note) for note in data.get("notes") or ()),
            described_operations={str(k): v for k, v in dict(described).items()},
            seconds=float(data.get("seconds") or 0.0),
        )
