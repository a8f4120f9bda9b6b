"""What one process holds for every client it opens to the target, in one place.

- :data:`PACER`: the pace of ``--rate-limit``; every request waits for its slot as it
  leaves, whichever client sends it (the parent divides the run's rate among its processes).
- :data:`BREAKER`: connection failures in a row, and a refused fresh token; once tripped,
  nothing more is sent and the run ends as an infrastructure error.
- :data:`LISTENERS`: who hears every exchange of the harness's own clients, redacted (the
  exchange log of the test process), after each client's own listeners.
- :data:`LARGE_ANSWERS`: the shares of the process's budget for large answers; an answer
  over a megabyte waits for one before it is read further (at most three are read and
  judged at once, see :mod:`conformance.http.large_answers`).
- :data:`COVERAGE`: the recorder that counts every request per operation, when the process
  keeps one (:func:`conformance.core.coverage.start`).

The send path (:mod:`conformance.http.sending`) reads the pacer, the breaker and the large
answers' shares from the policy it is given, these by default. The test process's
interrupts are no HTTP state: they are :data:`conformance.core.interrupts.INTERRUPTS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from conformance.http.bounds import Breaker
from conformance.http.large_answers import LargeAnswers
from conformance.http.pacing import Pacer


class Observer(Protocol):
    """Counts one request to ``url`` and the status it got (None: no answer)."""

    def observe(
        self, method: str, url: str, status: int | None, header_names: Iterable[str] = ()
    ) -> None: ...


#: The pace of this process.
PACER = Pacer()
#: The breaker of this process; every client of the target reports to it.
BREAKER = Breaker()
#: The shares of this process's budget for large answers.
LARGE_ANSWERS = LargeAnswers()
#: Listeners of every exchange of this process (an :class:`~conformance.http.session.Exchange`).
LISTENERS: list[Callable[[Any], None]] = []
#: The coverage recorder of this process: empty, or the one recorder.
COVERAGE: list[Observer] = []


def observe(method: str, url: str, status: int | None, header_names: Iterable[str] = ()) -> None:
    """Count one request in the coverage, when this process records it."""
    if COVERAGE:
        COVERAGE[0].observe(method, url, status, header_names)
