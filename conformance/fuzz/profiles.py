"""How deep a fuzzing run goes: the ``smoke`` and ``full`` profiles."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Profile:
    """Phases and budgets of one fuzzing depth."""

    name: str
    phases: tuple[str, ...]
    max_examples: int
    stateful_examples: int
    stateful_max_steps: int

    @property
    def stateful(self) -> bool:
        return "stateful" in self.phases

    def with_max_examples(self, count: int | None) -> Profile:
        """The profile with ``count`` generated cases per operation (None keeps it)."""
        if count is None:
            return self
        return replace(self, max_examples=count, stateful_examples=count)

    def with_phases(self, phases: tuple[str, ...]) -> Profile:
        """The profile with the engine's phases ``phases`` (``--phases``; empty keeps its
        own): as in ``st run``, the phases named run, whatever the profile's are."""
        return replace(self, phases=phases) if phases else self


PROFILES: dict[str, Profile] = {
    # A quick check: explicit examples and a few generated cases, a short walk along links.
    "smoke": Profile(
        "smoke",
        ("examples", "fuzzing", "stateful"),
        max_examples=2,
        stateful_examples=2,
        stateful_max_steps=3,
    ),
    # The nightly depth: every phase, boundary values from the coverage phase included.
    "full": Profile(
        "full",
        ("examples", "coverage", "fuzzing", "stateful"),
        max_examples=20,
        stateful_examples=20,
        stateful_max_steps=6,
    ),
}


def get_profile(
    name: str, max_examples: int | None = None, phases: tuple[str, ...] = ()
) -> Profile:
    """The named profile, with ``max_examples`` overriding its case count and ``phases``
    its phases."""
    try:
        profile = PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown fuzzing profile {name!r}; choose {' or '.join(PROFILES)}"
        ) from None
    return profile.with_max_examples(max_examples).with_phases(phases)
