"""Generated headers that would make a request no HTTP message the API could answer.

Negative cases may add headers the operation does not declare, with any name: one named
``Content-Length`` with the value ``NWp%{Gnkz%}?`` makes the request unparseable, and the
answer (``400 Invalid HTTP request received.``, text/plain, from the HTTP server in front of
the API) says nothing about the API: judged as one of its answers, it is a false deviation
(a failure with ``--strict``) on any appliance. The headers that frame the message are
the client's to set (RFC 9110 and 9112: the length, the transfer coding, the connection,
the host); a generated one is left out before the case is sent, and its reproduce
command is the request that was sent.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

#: Headers that frame the message or the connection (lower case).
FRAMING = frozenset(
    {
        "content-length",
        "transfer-encoding",
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
        "expect",
    }
)


def drop_framing(headers: MutableMapping[str, Any] | None) -> list[str]:
    """Remove the framing headers of ``headers`` in place; the names removed."""
    if not headers:
        return []
    removed = [name for name in headers if str(name).lower() in FRAMING]
    for name in removed:
        del headers[name]
    return removed
