"""Logging schemathesis in: a schema-scoped auth provider backed by the harness session."""

from __future__ import annotations

from typing import Any

from schemathesis import BaseSchema, Case

from conformance.http.session import RENEW_MARGIN_SECONDS, TOKEN_LIFETIME_SECONDS, ScvSession

#: Log in again this long after a login, before the appliance's 120-minute expiry.
REFRESH_INTERVAL = TOKEN_LIFETIME_SECONDS - RENEW_MARGIN_SECONDS
TOKEN_HEADER = "Token"


class SessionTokenAuth:
    """Gets a fresh token from ``session`` and sends it in the ``Token`` header."""

    def __init__(self, session: ScvSession) -> None:
        self.session = session
        self.logins = 0

    def get(self, case: Case, context: Any) -> str:
        # Called on first use, after REFRESH_INTERVAL and when a call answered 401:
        # every time but the first a new login is what is wanted, unless the appliance
        # refused the token it had just issued (TokenRefused then; logins are rate-limited).
        self.logins += 1
        if self.logins == 1:
            return self.session.token()
        return self.session.renew_token()

    def set(self, case: Case, data: str, context: Any) -> None:
        if case.headers is None:
            case.headers = {}
        case.headers[TOKEN_HEADER] = data


def install(schema: BaseSchema, session: ScvSession) -> SessionTokenAuth:
    """Make every operation of ``schema`` but login carry a token, renewed on 401."""
    created: list[SessionTokenAuth] = []

    class BoundTokenAuth(SessionTokenAuth):
        def __init__(self) -> None:
            super().__init__(session)
            created.append(self)

    schema.auth(refresh_interval=REFRESH_INTERVAL, retry_on=[401]).skip_for(operation_id="login")(
        BoundTokenAuth
    )
    return created[0]
