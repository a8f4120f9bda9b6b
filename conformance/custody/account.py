"""A destructive run's account of the appliance, in summary.json's ``custody``.

At the start the run reads what its users see (:mod:`conformance.custody.readings`); at the
end, whatever ended the test processes, it removes what it still owes, writes back the
singletons it changed (:mod:`conformance.custody.putback`) and reads again. The report says
whether the two readings are equal and, if not, exactly what differs and why. What the API
cannot undo (backups taken, VMs restored, a VM left powered off) is listed as side effects:
the accepted calls of operations that no listing accounts for, counted from the run's
coverage records, and the power states that changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.contract.spec import Contract
from conformance.custody.holdings import Holdings, holdings
from conformance.custody.putback import JobWait, remove_owed, write_back
from conformance.custody.readings import (
    VMS,
    Difference,
    Reader,
    State,
    differences,
    read_listings,
    read_state,
)
from conformance.custody.run_names import run_id_of
from conformance.reporting.atomic import write_json

#: The one field whose change a restore makes and the API cannot undo.
POWER_STATE = "power_state"
STATE_BEFORE = "state-before.json"
STATE_AFTER = "state-after.json"


@dataclass
class Account:
    """The state a run found at the start."""

    contract: Contract
    found: Holdings
    run_id: str
    before: State
    #: reads (and changes of different resources) in flight at once: ``--concurrency``
    concurrency: int = 1

    @classmethod
    def opened(
        cls,
        contract: Contract,
        scv: Reader,
        vcenter: Reader | None,
        run_id: str,
        concurrency: int = 1,
    ) -> Account:
        """Read the state at the start of a run, ``concurrency`` reads at once."""
        found = holdings(contract)
        before = read_state(scv, vcenter, found, concurrency)
        return cls(contract, found, run_id, before, concurrency)

    def close(
        self,
        run_dir: Path,
        records: Mapping[str, Mapping[str, Any]],
        scv: Reader,
        vcenter: Reader | None,
        wait: JobWait | None = None,
    ) -> dict[str, Any]:
        """Put back, read again, compare: the report's ``custody`` section. ``records``:
        the run's coverage records (what each operation was answered); ``wait``: waits for
        jobs (those effects started, and those putting back starts, before reading again)."""
        removed = remove_owed(scv, self.found, run_dir, wait, self.concurrency)
        # what to write back: only the singletons are compared before the final reading
        now = read_listings(scv, self.found.singletons, self.concurrency)
        restored = write_back(scv, self.contract, self.found, self.before, now, self.concurrency)
        if wait is not None:
            wait([])  # what putting back started
        after = read_state(scv, vcenter, self.found, self.concurrency)
        write_json(run_dir / STATE_BEFORE, self.before)
        write_json(run_dir / STATE_AFTER, after)
        found = differences(self.before, after)
        powered = [d for d in found if _power_only(d)]
        remaining = [d for d in found if d not in powered]
        return {
            "stateFiles": [STATE_BEFORE, STATE_AFTER],
            "equal": not remaining,
            "differences": [self._explained(d) for d in remaining],
            "removed": removed.as_json(),
            "writtenBack": restored.as_json(),
            "sideEffects": side_effects(self.contract, self.found, records)
            + [_power_effect(d) for d in powered],
        }

    def _explained(self, difference: Difference) -> dict[str, Any]:
        entry = difference.as_json()
        entry["why"] = why(difference, self.run_id)
        return entry


def why(difference: Difference, own_run_id: str) -> str:
    """The likely cause of a difference the run could not put back."""
    names = [difference.item]
    for value in (difference.before, difference.after):
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            names.append(value["name"])
    owners = {run_id_of(name) for name in names} - {None}
    if owners and own_run_id not in owners:
        return f"made by another scv-conformance run ({', '.join(sorted(map(str, owners)))})"
    if own_run_id in owners:
        return "made by this run and not removed (see custody.removed.failed and leftovers)"
    if difference.kind == "added":
        return (
            "appeared during the run: made by someone else, or by a call of this run whose "
            "answer did not say what it made"
        )
    return "changed during the run, by this run's calls or by someone else (see the exchanges)"


def side_effects(
    contract: Contract, found: Holdings, records: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The accepted calls of operations whose effect the run cannot undo."""
    effects = []
    for operation in found.effects(contract.operations):
        statuses = (records.get(operation.operation_id) or {}).get("statuses") or {}
        accepted = sum(int(n) for status, n in statuses.items() if str(status).startswith("2"))
        if not accepted:
            continue
        summary = str(operation.definition.get("summary") or operation.operation_id)
        effects.append(
            {
                "operationId": operation.operation_id,
                "accepted": accepted,
                "message": (
                    f"{operation.operation_id} ({operation.method.upper()} {operation.path}) "
                    f"accepted {accepted} time{'s' if accepted != 1 else ''}: {summary}; "
                    "not undone through the API"
                ),
            }
        )
    return effects


def _power_only(difference: Difference) -> bool:
    before, after = difference.before, difference.after
    if difference.where != VMS or not isinstance(before, dict) or not isinstance(after, dict):
        return False
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    return changed == {POWER_STATE}


def _power_effect(difference: Difference) -> dict[str, Any]:
    assert isinstance(difference.before, dict) and isinstance(difference.after, dict)
    name = difference.after.get("name") or difference.item
    return {
        "vm": difference.item,
        "message": (
            f"VM {name} ({difference.item}) was {difference.before.get(POWER_STATE)} and is "
            f"{difference.after.get(POWER_STATE)} (a restore powers a VM off; power it on in "
            "vCenter if it should run)"
        ),
    }
