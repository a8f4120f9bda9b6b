"""A token a workflow's own login step was just issued, refused at once: exit 3, not a failure.

Workflows log in themselves (their Arazzo login step) and send the token in the ``Token``
header. When the appliance answers 401 to the first call carrying a token it issued a
moment ago, nothing can be judged: its authentication is broken or the account lacks
rights. The run then ends as an infrastructure error (the process breaker trips, so the
session stops after this workflow), as it does when fuzzing's own session meets the same.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import httpx

from conformance.http import process
from conformance.http.bounds import TokenRefused
from conformance.http.guard import LOGIN_PATH
from conformance.http.sending import login_token

TOKEN_HEADER = "token"


class FreshTokens:
    """Tokens issued by a login and not yet accepted by any call (an answer but 401)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._lock = threading.Lock()
        self._fresh: set[str] = set()

    def observe(
        self, method: str, path: str, headers: Mapping[str, str], response: httpx.Response
    ) -> None:
        """Note one exchange of a workflow; TokenRefused when it refused a fresh token."""
        if path == LOGIN_PATH:
            token = login_token(response.status_code, response.content)
            if token is not None:
                with self._lock:
                    self._fresh.add(token)
            return
        sent = next((v for k, v in headers.items() if k.lower() == TOKEN_HEADER), None)
        with self._lock:
            if sent is None or sent not in self._fresh:
                return
            if response.status_code != 401:
                self._fresh.discard(sent)
                return
        reason = (
            f"{self.base_url} refused the token it had just issued (HTTP 401 to {method} "
            f"{path} right after a good login in a workflow): the appliance's "
            "authentication is broken or the account lacks rights; nothing can be judged"
        )
        process.BREAKER.trip(reason)
        raise TokenRefused(reason)
