"""Login tokens with an expiry taken from the injectable clock."""

from __future__ import annotations

import hmac
import secrets
import threading
from datetime import datetime, timedelta


class TokenStore:
    """Issues and checks the tokens that ``login`` returns."""

    def __init__(self, username: str, password: str, ttl_seconds: float) -> None:
        self._username = username
        self._password = password
        self._ttl = timedelta(seconds=ttl_seconds)
        self._tokens: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def credentials_match(self, username: str, password: str) -> bool:
        """Constant-time comparison with the configured credentials."""
        user_ok = hmac.compare_digest(username.encode(), self._username.encode())
        password_ok = hmac.compare_digest(password.encode(), self._password.encode())
        return user_ok and password_ok

    def issue(self, username: str, now: datetime) -> str:
        token = secrets.token_hex(16)
        with self._lock:
            self._tokens[token] = (username, now + self._ttl)
        return token

    def user_for(self, token: str | None, now: datetime) -> str | None:
        """The user a live token belongs to; None when missing, unknown or expired."""
        if not token:
            return None
        entry = self._tokens.get(token)
        if entry is None:
            return None
        user, expires = entry
        if now >= expires:
            with self._lock:
                self._tokens.pop(token, None)
            return None
        return user
