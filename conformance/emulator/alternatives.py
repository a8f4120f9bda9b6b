"""Where the vendor's pages disagree with each other, which variant the emulator plays.

The English pages spell the ESX host list ``availableEsxHostsList``; the Italian translation
spells it ``AvailableEsxHostsList``. The datastore snapshot-location path is
``snapshotlocations`` in the VM workflows and ``snapshotlocators`` in the mount workflow. The
contract describes both variants (alternative operations name each other in
``x-scv-alternative-of``), so an emulated appliance can play either one, or serve both paths,
and a harness can be tested on finding out which one a target uses.
"""

from __future__ import annotations

from conformance.contract.spec import Contract
from conformance.emulator.config import SNAPSHOT_PATHS, EmulatorConfig

#: The answer key of the ESX host lists, per spelling.
ESX_HOSTS_KEYS = {"english": "availableEsxHostsList", "translation": "AvailableEsxHostsList"}


def esx_hosts_key(config: EmulatorConfig) -> str:
    """The key under which this emulator answers an ESX host list."""
    return ESX_HOSTS_KEYS[config.played_spelling]


def unserved(contract: Contract, config: EmulatorConfig) -> frozenset[str]:
    """The operationIds of alternative operations this emulator leaves unrouted: the
    snapshot path it does not play (both paths of the backup clean-up are always served)."""
    served = config.played_snapshot_path
    if served == "both":
        return frozenset()
    return frozenset(
        op.operation_id
        for op in contract.operations
        if op.alternative_of is not None
        and op.path.rsplit("/", 1)[-1] in SNAPSHOT_PATHS
        and op.path.rsplit("/", 1)[-1] != served
    )
