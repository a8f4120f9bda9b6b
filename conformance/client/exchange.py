"""One request of a client and the answer it got, as the judgement reads them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

#: The body could not be read as JSON (or was empty).
NO_JSON: Any = object()


@dataclass(frozen=True)
class ClientRequest:
    """A request as the client sent it: the raw path (percent-encoding kept), the query,
    the headers (names lower-cased) and the body bytes."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    #: Its position in the session (0 first).
    index: int = 0

    @classmethod
    def of_url(
        cls,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        index: int = 0,
    ) -> ClientRequest:
        parts = urlsplit(url)
        return cls(
            method.upper(),
            parts.path or "/",
            parts.query,
            {k.lower(): v for k, v in (headers or {}).items()},
            body,
            index,
        )

    @property
    def url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @cached_property
    def json(self) -> Any:
        """The decoded JSON body, or :data:`NO_JSON`."""
        return _decoded(self.body)

    @property
    def has_body(self) -> bool:
        return bool(self.body.strip())

    def query_values(self) -> dict[str, str]:
        """Each query parameter's last value (as the appliance reads a single value)."""
        return {k: v[-1] for k, v in parse_qs(self.query, keep_blank_values=True).items()}

    def decoded_path(self) -> str:
        return unquote(self.path)


@dataclass(frozen=True)
class ClientAnswer:
    """What the appliance (or vCenter) answered."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    #: The body was cut before it reached the judgement (a HAR's cap).
    truncated: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @cached_property
    def json(self) -> Any:
        if "json" not in self.content_type.lower() or self.truncated:
            return NO_JSON
        return _decoded(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _decoded(body: bytes) -> Any:
    if not body.strip():
        return NO_JSON
    try:
        return json.loads(body)
    except ValueError:
        return NO_JSON
