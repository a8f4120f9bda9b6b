"""Handler of the auth tag: login."""

from __future__ import annotations

from conformance.emulator.errors import ApiError
from conformance.emulator.handlers.registry import Context, Result, operation


@operation("login")
def login(ctx: Context) -> Result:
    body = ctx.body
    tokens = ctx.state.tokens
    if not tokens.credentials_match(body["username"], body["password"]):
        raise ApiError(401, "Invalid username or password")
    token = tokens.issue(body["username"], ctx.now)
    return Result({"token": token}, "Login successful")
