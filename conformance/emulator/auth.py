"""Login tokens and vCenter sessions: they expire on the injectable clock and are bounded."""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict
from datetime import datetime, timedelta

DEFAULT_MAX_SESSIONS = 10_000


class SessionStore:
    """Live session ids and their owners, oldest first.

    Each id expires ``ttl_seconds`` after it was issued, or after it was last used when
    ``sliding``; expired ids are dropped from memory as the store meets them (the oldest
    are always in front), and past ``limit`` live ids the oldest is dropped.
    """

    def __init__(self, ttl_seconds: float, limit: int, sliding: bool = False) -> None:
        self._ttl = timedelta(seconds=ttl_seconds)
        self._limit = limit
        self._sliding = sliding
        self._live: OrderedDict[str, tuple[str, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._live)

    def issue(self, owner: str, now: datetime) -> str:
        session_id = secrets.token_hex(16)
        with self._lock:
            self._drop_expired(now)
            self._live[session_id] = (owner, now + self._ttl)
            while len(self._live) > self._limit:
                self._live.popitem(last=False)
        return session_id

    def owner(self, session_id: str | None, now: datetime) -> str | None:
        """Who a live id belongs to; None when missing, unknown or expired."""
        if not session_id:
            return None
        with self._lock:
            self._drop_expired(now)
            entry = self._live.get(session_id)
            if entry is None:
                return None
            owner = entry[0]
            if self._sliding:
                self._live[session_id] = (owner, now + self._ttl)
                self._live.move_to_end(session_id)
            return owner

    def revoke(self, session_id: str | None) -> None:
        with self._lock:
            self._live.pop(session_id or "", None)

    def _drop_expired(self, now: datetime) -> None:
        while self._live:
            oldest = next(iter(self._live.values()))
            if now < oldest[1]:
                return
            self._live.popitem(last=False)


class TokenStore:
    """Issues and checks the tokens that ``login`` returns (absolute lifetime)."""

    def __init__(
        self,
        username: str,
        password: str,
        ttl_seconds: float,
        limit: int = DEFAULT_MAX_SESSIONS,
        max_uses: int | None = None,
    ) -> None:
        self._username = username
        self._password = password
        self.sessions = SessionStore(ttl_seconds, limit)
        #: calls a token serves before it stops working (None: as many as its lifetime allows)
        self._max_uses = max_uses
        self._uses: OrderedDict[str, int] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def credentials_match(self, username: str, password: str) -> bool:
        """Constant-time comparison with the configured credentials."""
        user_ok = hmac.compare_digest(username.encode(), self._username.encode())
        password_ok = hmac.compare_digest(password.encode(), self._password.encode())
        return user_ok and password_ok

    def issue(self, username: str, now: datetime) -> str:
        return self.sessions.issue(username, now)

    def user_for(self, token: str | None, now: datetime) -> str | None:
        """The user a live token belongs to; None when missing, unknown or expired."""
        owner = self.sessions.owner(token, now)
        if owner is None or self._max_uses is None or token is None:
            return owner
        with self._lock:
            used = self._uses.pop(token, 0) + 1
            if used > self._max_uses:
                self.sessions.revoke(token)
                return None
            self._uses[token] = used
            while len(self._uses) > self._limit:
                self._uses.popitem(last=False)
        return owner
