"""The ASGI app of an emulated appliance: Starlette routes, auth, validation, envelope."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.contract.spec import Contract, load_contract
from conformance.emulator import fault_handlers, jobs, release_changes
from conformance.emulator.alternatives import unserved
from conformance.emulator.auth import SessionStore, TokenStore
from conformance.emulator.clock import Clock, system_clock
from conformance.emulator.conditions import TransientErrors
from conformance.emulator.config import EmulatorConfig
from conformance.emulator.description import describe, encode
from conformance.emulator.envelope import dumps, envelope_response
from conformance.emulator.errors import ApiError
from conformance.emulator.faults import FaultHooks
from conformance.emulator.handlers import HANDLERS, Context
from conformance.emulator.inventory import populate
from conformance.emulator.latency import Latency, LatencyMiddleware, Sleep
from conformance.emulator.limits import BodyLimit, parse_json
from conformance.emulator.routing import (
    BASE_PATH,
    AnyMethod,
    ServedOperation,
    operation_routes,
)
from conformance.emulator.state import State
from conformance.emulator.url_rules import UrlRule
from conformance.emulator.validation import RequestValidator
from conformance.emulator.vcenter import VCenterApi

DOCS_PATH = "/api/v3/api-docs"
TOKEN_HEADER = "token"
UNAUTHORIZED = "Token is missing, invalid or expired"
JSON_TYPE = "application/json"
log = logging.getLogger("conformance.emulator")


def check_handlers(contract: Contract) -> None:
    """Every contract operation has a handler, and every handler an operation."""
    missing = [op.operation_id for op in contract.operations if op.operation_id not in HANDLERS]
    # an overlay may take operations away: that appliance does not serve them
    unknown = [] if contract.overlays else sorted(set(HANDLERS) - set(contract.operation_ids()))
    if missing or unknown:
        raise RuntimeError(
            f"handlers out of step with the contract: missing {missing}, unknown {unknown}"
        )


def serving(config: EmulatorConfig, contract: Contract) -> tuple[list[ServedOperation], bytes]:
    """The operations the configured appliance serves, and its API description.

    The played release's contract operations, changed (and added to) by the release
    variant; requests are validated against the served description.
    """
    check_handlers(contract)
    hidden = unserved(contract, config)
    operations = [
        op for op in contract.available(config.appliance_version) if op.operation_id not in hidden
    ]
    handlers = {op.operation_id: HANDLERS[op.operation_id] for op in operations}
    document = describe(contract.document, operations, config.appliance_version)
    variant = config.variant
    if variant is not None:
        for operation, handler in release_changes.describe(variant, document):
            operations.append(operation)
            handlers[operation.operation_id] = handler
    docs = encode(document)
    description = Contract(
        path=contract.path,
        document=document,
        sha256=hashlib.sha256(docs).hexdigest(),
        operations=tuple(operations),
    )
    return [
        ServedOperation(
            op,
            release_changes.wrap(
                variant,
                op.operation_id,
                fault_handlers.wrap(config.faults, op.operation_id, handlers[op.operation_id]),
            ),
            RequestValidator(description, op),
        )
        for op in operations
    ], docs


class Appliance:
    """One emulated appliance: its state and how it answers each kind of request."""

    def __init__(
        self, config: EmulatorConfig, clock: Clock, contract: Contract, sleep: Sleep
    ) -> None:
        self.config = config
        self.clock = clock
        self.sleep = sleep
        self.hooks = FaultHooks(config.faults)
        tokens = TokenStore(
            config.username,
            config.password,
            config.token_ttl_seconds,
            config.max_sessions,
            max_uses=config.token_uses,
        )
        self.state = State(tokens)
        populate(self.state, config.seed, clock())
        self.operations, self.docs = serving(config, contract)
        # the URL rule's exemptions are the contract's (variant additions have none)
        self.url_rule = UrlRule(
            contract,
            (
                s.operation
                for s in self.operations
                if s.operation.path in contract.document["paths"]
            ),
        )
        sessions = SessionStore(
            config.vcenter_session_ttl_seconds, config.max_sessions, sliding=True
        )
        self.vcenter = VCenterApi(self.state, sessions)

    def routes(self) -> list[Route]:
        """The API description, the vCenter API and one route per served path template."""
        vcenter = AnyMethod(self.answer_vcenter)
        return [
            Route(DOCS_PATH, self.answer_docs, methods=["GET"]),
            Route("/api/session", vcenter),
            Route("/api/vcenter/{rest:path}", vcenter),
            *operation_routes(self.operations, self.serve),
        ]

    async def answer_docs(self, request: Request) -> Response:
        return Response(self.docs, media_type=JSON_TYPE)

    async def serve(self, served: ServedOperation, request: Request) -> Response:
        """Answer one SCV operation: auth, parameters, body, then its handler."""
        operation = served.operation
        operation_id = operation.operation_id
        slower = release_changes.extra_delay(self.config.variant, operation_id)
        if slower:
            # a slower release answers everything later, its refusals included
            await self.sleep(slower)
        user: str | None = None
        if operation_id != "login" and not self.hooks.auth_exempt(operation_id):
            user = self.state.tokens.user_for(request.headers.get(TOKEN_HEADER), self.clock())
            if user is None:
                raise ApiError(401, UNAUTHORIZED)
        try:
            return await self._dispatch(served, request, user or "anonymous")
        except ApiError:
            if user is not None and operation.mutates:
                self._audit(user, operation_id, None, "FAILURE")
            raise

    async def _dispatch(self, served: ServedOperation, request: Request, user: str) -> Response:
        operation_id = served.operation.operation_id
        validator = served.validator
        query = (
            parse_qs(request.scope["query_string"].decode("latin-1"))
            if validator.query_params
            else {}
        )
        params = validator.check_params(request.path_params, query)
        body: Any = None
        present = False
        if validator.body is not None:
            raw = await request.body()
            present = bool(raw.strip())
            if present:
                body = parse_json(raw)
                if self.config.unknown_fields == "ignore":
                    body, dropped = validator.drop_unknown(body)
                    if dropped:
                        log.info("%s: ignored unknown fields %s", operation_id, ", ".join(dropped))
            if not self.hooks.skips_validation(operation_id):
                try:
                    validator.check_body(body, present)
                except ApiError:
                    replacement = self.hooks.invalid_body_response(operation_id)
                    if replacement is not None:
                        return replacement
                    raise
        delay = self.hooks.delay(operation_id)
        if delay:
            await self.sleep(delay)
        with self.state.lock:
            now = self.clock()
            jobs.settle(self.state, now)
            ctx = Context(
                self.state, operation_id, params, body, user, now, self.config, self.hooks
            )
            try:
                result = served.handler(ctx)
            except ApiError:
                raise
            except Exception:
                log.exception("unexpected error in %s", operation_id)
                raise ApiError(500, "An internal error occurred") from None
            if served.operation.mutates:
                self.state.audit.append(now, user, operation_id, ctx.resource, "SUCCESS")
        if result.raw is not None:
            return result.raw
        uri = self.hooks.uri(request.scope["path"])
        return envelope_response(result.status, result.message, result.response, uri)

    def _audit(self, user: str, operation_id: str, resource: str | None, result: str) -> None:
        with self.state.lock:
            self.state.audit.append(self.clock(), user, operation_id, resource, result)

    async def answer_vcenter(self, request: Request) -> Response:
        with self.state.lock:
            now = self.clock()
            jobs.settle(self.state, now)
            status, payload = self.vcenter.handle(
                request.method,
                request.scope["path"],
                request.scope["query_string"],
                dict(request.headers),
                now,
            )
        body = b"" if status == 204 else dumps(payload)
        return Response(body, status_code=status, media_type=None if status == 204 else JSON_TYPE)

    def error_response(
        self, path: str, status: int, message: str, headers: dict[str, str] | None = None
    ) -> Response:
        """The error envelope, as the active fault shapes it."""
        text = self.hooks.error_message(status, message)
        return envelope_response(status, text, None, self.hooks.uri(path), headers)

    async def on_http_error(self, request: Request, exc: Exception) -> Response:
        """Every HTTPException (ours and Starlette's 404 and 405) as an error envelope."""
        assert isinstance(exc, HTTPException)
        method, path = request.method, request.scope["path"]
        if isinstance(exc, ApiError):
            message = exc.message
        elif exc.status_code == 404:
            message = f"No endpoint {method} {path}"
        elif exc.status_code == 405:
            message = f"Request method '{method}' is not supported"
        else:
            message = exc.detail
        headers = dict(exc.headers) if exc.headers else None
        return self.error_response(path, exc.status_code, message, headers)


class UrlRules:
    """The documented URL rule, checked before routing: no ``+ . % &`` after the version.

    The API version segment (``4.1``) is the one place a dot belongs. With the
    ``forbidden-chars-accepted`` fault the characters are dropped instead.
    """

    def __init__(self, app: ASGIApp, appliance: Appliance) -> None:
        self.app = app
        self.appliance = appliance

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not self.applies(path):
            await self.app(scope, receive, send)
            return
        raw: bytes = scope.get("raw_path") or path.encode()
        version, _, rest = raw.decode("latin-1")[len(BASE_PATH) + 1 :].partition("/")
        tolerated = self.appliance.hooks.tolerated_path(rest)
        if tolerated is not None:
            scope = {**scope, "path": f"{BASE_PATH}/{version}/{tolerated}"}
        else:
            char = self.appliance.url_rule.violation(version, rest)
            if char is not None:
                message = f"The character '{char}' is not allowed in a REST URL"
                answer = self.appliance.error_response(path, 400, message)
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def applies(path: str) -> bool:
        """True for the paths of SCV operations (not the API description, not vCenter)."""
        return (
            path.startswith(BASE_PATH + "/") and path != DOCS_PATH and not VCenterApi.handles(path)
        )


def create_app(
    config: EmulatorConfig | None = None, clock: Clock | None = None, sleep: Sleep | None = None
) -> Starlette:
    """The ASGI app of an emulated appliance (state lives in ``app.state.appliance``).

    ``sleep`` waits out latency and slow operations (``asyncio.sleep`` unless a test gives
    one).
    """
    config = config or EmulatorConfig()
    config.validate()
    sleep = sleep or asyncio.sleep
    appliance = Appliance(
        config, clock or system_clock, load_contract(overlays=config.overlays), sleep
    )
    latency = Latency(config.latency_ms, config.latency_spread_ms, config.seed)
    app = Starlette(
        routes=appliance.routes(),
        middleware=[
            Middleware(LatencyMiddleware, latency=latency, sleep=sleep),
            Middleware(
                BodyLimit, limit=config.max_body_bytes, error_response=appliance.error_response
            ),
            Middleware(UrlRules, appliance=appliance),
            # a busy appliance refuses before it routes or validates anything
            *(
                [Middleware(TransientErrors, counts=UrlRules.applies)]
                if config.transient_errors
                else []
            ),
        ],
        exception_handlers={HTTPException: appliance.on_http_error},
    )
    # Spring answers a path with a stray slash 404, it does not redirect
    app.router.redirect_slashes = False
    app.state.appliance = appliance
    return app
