"""The secrets that pass through a client session, kept so that no output shows them.

The client logs in through the proxy, so its password, the tokens it is given and its
vCenter session ids are seen here first: every one is a secret. Whatever a secret-looking
header carries is one too (``Token``, ``Authorization``, cookies), and so is the password
inside a Basic ``Authorization``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

from conformance.http.redaction import (
    REDACTED,
    is_secret_field,
    is_secret_header,
)


class Secrets:
    """The secrets seen so far; ``values`` is what the redaction replaces."""

    def __init__(self, initial: Iterable[str] = ()) -> None:
        self._values: set[str] = {s for s in initial if s}

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(sorted(self._values, key=len, reverse=True))

    def add(self, value: str | None) -> None:
        if value and value != REDACTED:
            self._values.add(value)

    def headers(self, headers: Iterable[tuple[str, str]]) -> None:
        for name, value in headers:
            if not is_secret_header(name) or not value:
                continue
            self.add(value)
            scheme, _, credential = value.partition(" ")
            if credential:
                self.add(credential)
            if scheme.lower() == "basic" and credential:
                self._basic(credential)

    def _basic(self, credential: str) -> None:
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return
        _, _, password = decoded.partition(":")
        self.add(decoded)
        self.add(password)

    def body(self, value: Any, depth: int = 0) -> None:
        """Every value of a secret-named field of a decoded JSON body (a login's password,
        an answer's token), and a JSON string body (vCenter's session id)."""
        if depth > 32:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                if is_secret_field(str(key)) and isinstance(item, str | int):
                    self.add(str(item))
                else:
                    self.body(item, depth + 1)
        elif isinstance(value, list):
            for item in value:
                self.body(item, depth + 1)
