"""The matrix of ``certify-client``: which releases, under which conditions.

A cell is one release played plainly or under one condition. By default the releases are
those at which the API the emulator serves changes, from 4.4 (the oldest the vendor's
pages cover) to the newest it knows: a release in between serves the same API as the one
before it, so its cell would repeat that one. Every cell is played plainly and under each
condition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conformance.contract.spec import LATEST_RELEASE, load_contract, release_key
from conformance.core.errors import UsageError
from conformance.emulator.conditions import CONDITIONS

#: The oldest release a matrix plays: the oldest the vendor's pages cover.
OLDEST_RELEASE = "4.4"
#: The releases the vendor's pages cover (4.4 to 6.2): what ``--release`` accepts.
RELEASES = ("4.4", "4.5", "4.6", "4.7", "4.8", "4.9", "5.0", "6.0", "6.1", "6.2")
#: The cell of a release played without a condition.
PLAIN = "plain"


@dataclass(frozen=True, order=True)
class Cell:
    """One release under one condition (``None``: plainly)."""

    release: str
    condition: str | None = None

    @property
    def name(self) -> str:
        """``6.2-plain``, ``4.4-token-expiry``: fit for a folder and a report label."""
        return f"{self.release}-{self.condition or PLAIN}"


def known_releases() -> tuple[str, ...]:
    """Every release a matrix may play, oldest first (the newest the emulator knows last)."""
    known = {r for r in RELEASES if release_key(r) <= release_key(LATEST_RELEASE)}
    return tuple(sorted(known | {LATEST_RELEASE}, key=release_key))


def default_releases() -> tuple[str, ...]:
    """4.4, each later release that adds operations, and the newest."""
    oldest = release_key(OLDEST_RELEASE)
    changes = {op.since for op in load_contract().operations if release_key(op.since) > oldest}
    chosen = {OLDEST_RELEASE, LATEST_RELEASE} | changes
    return tuple(sorted(chosen, key=release_key))


def build_matrix(releases: Sequence[str], conditions: Sequence[str]) -> list[Cell]:
    """The cells to run: each release plainly and under each condition.

    No ``releases``: the default ones; no ``conditions``: every condition. UsageError names
    an unknown release or condition.
    """
    known = known_releases()
    for release in releases:
        if release not in known:
            raise UsageError(
                f"certify-client: unknown release {release!r} (known: {', '.join(known)})"
            )
    for condition in conditions:
        if condition not in CONDITIONS:
            raise UsageError(
                f"certify-client: unknown condition {condition!r} (known: {', '.join(CONDITIONS)})"
            )
    played = _unique(releases) or default_releases()
    names = _unique(conditions) or tuple(CONDITIONS)
    return [Cell(release, condition) for release in played for condition in (None, *names)]


def _unique(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
