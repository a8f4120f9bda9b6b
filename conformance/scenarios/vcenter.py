"""A small client of vCenter's REST API: basic-auth session, redacted exchanges."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from conformance.core.errors import HarnessError, TargetUnreachable
from conformance.http import issued
from conformance.http.bounds import REQUEST_DEADLINE_SECONDS
from conformance.http.guard import UNGUARDED, RequestGuard
from conformance.http.redaction import basic_auth
from conformance.http.sending import SendPolicy
from conformance.http.session import RecordingClient

SESSION_PATH = "/api/session"
SESSION_HEADER = "vmware-api-session-id"


class VcenterClient(RecordingClient):
    """Calls vCenter with a session it opens on first use, renews on 401, closes at the end."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        verify: bool | str = True,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        guard: RequestGuard = UNGUARDED,
        deadline: float = REQUEST_DEADLINE_SECONDS,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        super().__init__(
            self.base_url,
            f"vCenter {self.base_url}",
            SendPolicy(guard, deadline),
            verify=verify,
            timeout=min(timeout, deadline),
            transport=transport,
        )
        self._username = username
        self._password = password
        self._session: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        basic = basic_auth(self._username, self._password)
        return tuple(s for s in (self._password, basic, self._session) if s)

    def _open_session(self) -> str:
        response = self._send("POST", SESSION_PATH, auth=(self._username, self._password))
        if response.status_code not in (200, 201):
            raise TargetUnreachable(
                f"vCenter login at {self.base_url} failed with HTTP {response.status_code}"
            )
        try:
            session = response.json()
        except ValueError:
            session = None
        if not isinstance(session, str) or not session:
            raise TargetUnreachable(f"vCenter at {self.base_url} answered no session id")
        self._session = session
        return session

    def close(self) -> None:
        """Log the session out (vSphere keeps idle sessions for long), then close."""
        try:
            if self._session is not None:
                with contextlib.suppress(HarnessError):
                    self._send("DELETE", SESSION_PATH, headers={SESSION_HEADER: self._session})
        finally:
            self._session = None
            super().close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send a call with the session header, opening or renewing the session."""
        headers = dict(kwargs.pop("headers", None) or {})
        headers[SESSION_HEADER] = self._session or self._open_session()
        response = self._send(method, path, headers=headers, **kwargs)
        if response.status_code == 401:
            headers[SESSION_HEADER] = self._open_session()
            response = self._send(method, path, headers=headers, **kwargs)
        return response

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send a call exactly as given (a workflow step brings its own session header)."""
        return self._send(method, path, **kwargs)

    def get_json(self, path: str, **params: str) -> Any:
        """GET a JSON answer; TargetUnreachable unless it is 200."""
        response = self.request("GET", path, params=params or None)
        if response.status_code != 200:
            raise TargetUnreachable(f"vCenter GET {path} answered HTTP {response.status_code}")
        return response.json()

    def _received(self, path: str, response: httpx.Response) -> None:
        """A new session id becomes a secret before the exchange is reported."""
        if path == SESSION_PATH and response.status_code in (200, 201):
            with contextlib.suppress(ValueError):
                value = response.json()
                if isinstance(value, str):
                    self._session = value
                    issued.note(value)
