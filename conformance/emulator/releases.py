"""Release variants: a later appliance release the emulator can play, and what it changes.

Each variant's changes are data, listed here and nowhere else, so that a test (and the
upgrade diff's tests) can assert that a diff between a run on the played release and a run
on the variant names exactly these. ``release_changes`` makes the answers, the timing and
the served API description follow from this data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TypeVar

from conformance.contract.spec import LATEST_RELEASE


@dataclass(frozen=True)
class RenamedField:
    """A field of each item of a getter's answer list goes by a new name."""

    kind: ClassVar[str] = "renamed-field"
    operation_id: str
    list_field: str
    old: str
    new: str
    #: the item schema of the contract, and the one the variant describes the items with
    schema: str
    renamed_schema: str

    @property
    def summary(self) -> str:
        return f"{self.operation_id}: response.{self.list_field}[].{self.old} is renamed {self.new}"


@dataclass(frozen=True)
class ChangedStatus:
    """An operation answers another status code in one case."""

    kind: ClassVar[str] = "changed-status"
    operation_id: str
    old: int
    new: int
    case: str

    @property
    def summary(self) -> str:
        return f"{self.operation_id}: {self.case} answers {self.new}, not {self.old}"


@dataclass(frozen=True)
class SlowerOperation:
    """An operation takes longer to answer."""

    kind: ClassVar[str] = "slower-operation"
    operation_id: str
    extra_ms: int

    @property
    def summary(self) -> str:
        return f"{self.operation_id}: answers {self.extra_ms} ms later"


@dataclass(frozen=True)
class NewOperation:
    """An operation the contract does not know; the served API description lists it."""

    kind: ClassVar[str] = "new-operation"
    operation_id: str
    method: str
    path: str

    @property
    def summary(self) -> str:
        return f"{self.operation_id}: new, {self.method.upper()} /api{self.path}"


Change = RenamedField | ChangedStatus | SlowerOperation | NewOperation
AnyChange = TypeVar("AnyChange", RenamedField, ChangedStatus, SlowerOperation, NewOperation)


@dataclass(frozen=True)
class ReleaseVariant:
    """A release that follows ``follows`` and differs from it by exactly ``changes``."""

    name: str
    version: str
    follows: str
    changes: tuple[Change, ...]

    def of_kind(self, kind: type[AnyChange]) -> list[AnyChange]:
        return [change for change in self.changes if isinstance(change, kind)]


NEXT = ReleaseVariant(
    name="next",
    version="6.3",
    follows=LATEST_RELEASE,
    changes=(
        RenamedField(
            operation_id="getSchedules",
            list_field="scheduleResponseList",
            old="description",
            new="details",
            schema="BuiltInSchedule",
            renamed_schema="ListedSchedule",
        ),
        ChangedStatus(operation_id="getJob", old=404, new=400, case="an unknown job id"),
        SlowerOperation(operation_id="getPolicies", extra_ms=300),
        NewOperation(operation_id="getApplianceInfo", method="get", path="/4.1/appliance/info"),
    ),
)

VARIANTS: dict[str, ReleaseVariant] = {NEXT.name: NEXT}
