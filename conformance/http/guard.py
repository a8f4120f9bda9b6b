"""Read-only runs: no request but a GET or a session call ever leaves the harness.

Whether a call changes state follows from the contract's rule (a method other than GET,
login aside; see :attr:`conformance.contract.spec.Operation.mutates`), not from a flag a
document may forget. Every HTTP client of the harness asks its :class:`RequestGuard`
before it sends, so a mistake in a suite is refused and reported instead of reaching the
appliance.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from conformance.core.errors import HarnessError

#: SCV's login (below the target's base URL).
LOGIN_PATH = "/4.1/auth/login"
#: Calls that open or close a session rather than change anything: (method, path suffix).
SESSION_CALLS = (
    ("POST", LOGIN_PATH),  # SCV login
    ("POST", "/api/session"),  # vCenter: open a session
    ("DELETE", "/api/session"),  # vCenter: close it again
)


def is_session_call(method: str, url_or_path: str) -> bool:
    """True for a login or a vCenter session being opened or closed."""
    verb = method.upper()
    path = urlsplit(url_or_path).path.rstrip("/") or "/"
    return any(verb == m and path.endswith(suffix) for m, suffix in SESSION_CALLS)


def changes_state(method: str, url_or_path: str) -> bool:
    """True for every call a read-only run must not send."""
    return method.upper() != "GET" and not is_session_call(method, url_or_path)


class ReadOnlyViolation(HarnessError):
    """A read-only run was about to send a state-changing call; it was not sent."""


@dataclass
class RequestGuard:
    """Refuses state-changing calls when ``read_only``; remembers what it refused."""

    read_only: bool
    refused: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self, method: str, url: str) -> None:
        """Raise ReadOnlyViolation instead of letting a state-changing call out."""
        if not self.read_only or not changes_state(method, url):
            return
        call = f"{method.upper()} {urlsplit(url).path}"
        with self._lock:
            self.refused.append(call)
        raise ReadOnlyViolation(
            f"refused {call}: a read-only run sends only GETs and logins "
            "(give --allow-destructive to change appliance state)"
        )


#: The guard of clients built without one: lets everything through.
UNGUARDED = RequestGuard(read_only=False)
