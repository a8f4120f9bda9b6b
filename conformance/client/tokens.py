"""The client's tokens: issued by logins, sent in ``Token``, reused or not.

The token lives 120 minutes by default and is meant to be reused. A login while the
previous token was still good and had served at most one call is a needless one; from the
second such login on, the client logs in before every call: a deviation (the appliance
copes, but it is not how the API is meant to be used, and it may exhaust sessions).
"""

from __future__ import annotations

#: Needless logins after which the pattern "a login before every call" is reported.
NEEDLESS_LOGINS = 2


class Tokens:
    """Tokens of one client session."""

    def __init__(self) -> None:
        #: token -> the calls that sent it
        self.uses: dict[str, int] = {}
        self.refused: set[str] = set()
        self.latest: str | None = None
        self.logins = 0
        self.needless = 0

    def login(self) -> bool:
        """A login is sent; True when it is one of a login before every call."""
        self.logins += 1
        previous = self.latest
        if previous is None or previous in self.refused or self.uses.get(previous, 0) > 1:
            return False
        self.needless += 1
        return self.needless >= NEEDLESS_LOGINS

    def issued(self, token: str) -> None:
        self.uses.setdefault(token, 0)
        self.latest = token

    def used(self, token: str) -> None:
        if token in self.uses:
            self.uses[token] += 1

    def refuse(self, token: str) -> None:
        self.refused.add(token)

    def known(self, token: str) -> bool:
        return token in self.uses
