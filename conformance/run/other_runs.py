"""Another run on the same appliance: noticed at the start of a destructive run, reported.

Runs keep out of each other's way (what a workflow creates carries its run's id, see
:mod:`conformance.custody.run_names`), but a user should know that another run is going
on, or left resources behind. Before the workflows start, the appliance's resource groups
and policies are listed once; names made by the naming scheme with another run's id are
reported on the console and in summary.json / summary.md (``other_runs``). The run goes
on: a run that died leaves the same names behind as one that is still going.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.core.context import RunContext
from conformance.core.errors import HarnessError
from conformance.custody.run_names import run_id_of
from conformance.http.session import ScvSession

#: What is listed: (path, list field of the answer); one GET each.
LISTINGS = (
    ("/4.1/resource-groups", "resourceGroupResponseList"),
    ("/4.1/policies", "policyResponseList"),
)


@dataclass(frozen=True)
class OtherRun:
    """Another run's id and the names of what it has on the appliance."""

    run_id: str
    names: tuple[str, ...]

    def line(self) -> str:
        """The console line (and summary.md's) about this run."""
        return (
            f"another scv-conformance run ({self.run_id}) is active on this appliance or "
            f"left resources: {', '.join(self.names)} (a run that ended abnormally leaves "
            "the same names behind; this run goes on, apart from them)"
        )

    def as_json(self) -> dict[str, Any]:
        return {"runId": self.run_id, "names": list(self.names), "message": self.line()}


def other_runs(names: Iterable[str], own_run_id: str) -> list[OtherRun]:
    """The runs other than ``own_run_id`` whose names are among ``names``."""
    by_run: dict[str, list[str]] = defaultdict(list)
    for name in names:
        run_id = run_id_of(name)
        if run_id is not None and run_id != own_run_id and name not in by_run[run_id]:
            by_run[run_id].append(name)
    return [OtherRun(run_id, tuple(sorted(found))) for run_id, found in sorted(by_run.items())]


def listed_names(session: ScvSession) -> list[str]:
    """The names of the appliance's resource groups and policies (what answers, at least)."""
    names: list[str] = []
    for path, field in LISTINGS:
        try:
            answer = session.request("GET", path)
            entries = answer.json()["response"][field] if answer.status_code == 200 else []
        except (HarnessError, ValueError, KeyError, TypeError):
            continue
        names += [e["name"] for e in entries if isinstance(e, Mapping) and _named(e)]
    return names


def find_other_runs(context: RunContext, own_run_id: str) -> list[OtherRun]:
    """Other runs on the context's appliance; none looked for without state changes allowed."""
    if not context.destructive_allowed or context.target.embedded:
        return []  # a read-only run creates nothing; an embedded emulator is the run's own
    with context.session() as session:
        return other_runs(listed_names(session), own_run_id)


def _named(entry: Mapping[str, Any]) -> bool:
    return isinstance(entry.get("name"), str)
