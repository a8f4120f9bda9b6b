"""Handler of the auth tag: login."""

from __future__ import annotations

import logging

from conformance.emulator.errors import ApiError
from conformance.emulator.handlers.registry import Context, Result, operation

#: A refused login is logged with the user name it named (never the password), as an
#: appliance's security log does: what a lockout policy would count.
log = logging.getLogger("conformance.emulator")


@operation("login")
def login(ctx: Context) -> Result:
    body = ctx.body
    tokens = ctx.state.tokens
    if not tokens.credentials_match(body["username"], body["password"]):
        log.info("login refused for user %r", body["username"])
        raise ApiError(401, "Invalid username or password")
    token = tokens.issue(body["username"], ctx.now)
    return Result({"token": token}, "Login successful")
