"""The ASGI app of an emulated appliance: routing, auth, validation, envelope."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from conformance.core.contract import Contract, load_contract
from conformance.emulator import jobs
from conformance.emulator.alternatives import served_document, unserved
from conformance.emulator.auth import TokenStore
from conformance.emulator.clock import Clock, system_clock
from conformance.emulator.config import EmulatorConfig
from conformance.emulator.envelope import dumps, envelope
from conformance.emulator.errors import ApiError
from conformance.emulator.faults import FaultHooks
from conformance.emulator.handlers import HANDLERS, Context, Result
from conformance.emulator.inventory import populate
from conformance.emulator.routing import Route, Router
from conformance.emulator.state import State
from conformance.emulator.url_rules import UrlRule
from conformance.emulator.validation import RequestValidator
from conformance.emulator.vcenter import VCenterApi

BASE_PATH = "/api"
DOCS_PATH = "/api/v3/api-docs"
TOKEN_HEADER = b"token"
UNAUTHORIZED = "Token is missing, invalid or expired"
log = logging.getLogger("conformance.emulator")


def build_routes(contract: Contract, release: str) -> list[Route]:
    """One route per operation that ``release`` ships; every one must have a handler."""
    missing = [op.operation_id for op in contract.operations if op.operation_id not in HANDLERS]
    unknown = sorted(set(HANDLERS) - set(contract.operation_ids()))
    if missing or unknown:
        raise RuntimeError(
            f"handlers out of step with the contract: missing {missing}, unknown {unknown}"
        )
    return [
        Route(op, HANDLERS[op.operation_id], RequestValidator(contract, op))
        for op in contract.available(release)
    ]


def api_docs(contract: Contract, release: str, hidden: frozenset[str] = frozenset()) -> bytes:
    """The contract as JSON, versioned as the appliance (like springdoc)."""
    document = served_document(contract.document, hidden)
    document["info"]["version"] = release
    return json.dumps(document).encode()


class Appliance:
    """The raw ASGI callable that serves every path of the emulated appliance."""

    def __init__(self, config: EmulatorConfig, clock: Clock, contract: Contract) -> None:
        self.config = config
        self.clock = clock
        self.hooks = FaultHooks(config.fault)
        self.state = State(TokenStore(config.username, config.password, config.token_ttl_seconds))
        populate(self.state, config.seed, clock())
        hidden = unserved(contract, config)
        routes = [
            r
            for r in build_routes(contract, config.appliance_version)
            if r.operation.operation_id not in hidden
        ]
        self.handlers = {
            r.operation.operation_id: self.hooks.wrap(r.operation.operation_id, r.handler)
            for r in routes
        }
        self.router = Router(routes)
        self.url_rule = UrlRule(contract, (r.operation for r in routes))
        self.vcenter = VCenterApi(self.state, config.username, config.password)
        self.docs = api_docs(contract, config.appliance_version, hidden)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        method: str = scope["method"]
        uri = self.hooks.uri(path)
        if VCenterApi.handles(path):
            await self._vcenter(scope, send, method, path)
            return
        if path == DOCS_PATH and method == "GET":
            await _send(send, 200, self.docs)
            return
        user: str | None = None
        route: Route | None = None
        try:
            relative = self._relative_path(scope, path)
            route, raw_params = self.router.match(relative, method)
            operation_id = route.operation.operation_id
            if operation_id != "login" and not self.hooks.auth_exempt(operation_id):
                user = self.state.tokens.user_for(_header(scope, TOKEN_HEADER), self.clock())
                if user is None:
                    raise ApiError(401, UNAUTHORIZED)
            result = await self._dispatch(scope, receive, route, raw_params, user or "anonymous")
        except ApiError as exc:
            if route is not None and user is not None and route.operation.mutates:
                self._audit(user, route.operation.operation_id, None, "FAILURE")
            message = self.hooks.error_message(exc.status, exc.message)
            body = dumps(envelope(exc.status, message, None, uri))
            await _send(send, exc.status, body, exc.headers)
            return
        except _RawAnswer as answer:
            await answer.response(scope, receive, send)
            return
        except Exception:
            log.exception("unexpected error in %s %s", method, path)
            failure = envelope(500, "An internal error occurred", None, uri)
            await _send(send, 500, dumps(failure))
            return
        if result.raw is not None:
            await result.raw(scope, receive, send)
            return
        body = dumps(envelope(result.status, result.message, result.response, uri))
        await _send(send, result.status, body)

    def _relative_path(self, scope: Scope, path: str) -> str:
        if not path.startswith(BASE_PATH + "/"):
            raise ApiError(404, f"No endpoint for {path}")
        raw: bytes = scope.get("raw_path") or path.encode()
        # the API version segment (``4.1``) is the one place a dot belongs
        version, _, rest = raw.decode("latin-1")[len(BASE_PATH) + 1 :].partition("/")
        tolerated = self.hooks.tolerated_path(rest)
        if tolerated is not None:
            return f"/{version}/{tolerated}"
        char = self.url_rule.violation(version, rest)
        if char is not None:
            raise ApiError(400, f"The character '{char}' is not allowed in a REST URL")
        return path[len(BASE_PATH) :]

    async def _dispatch(
        self, scope: Scope, receive: Receive, route: Route, raw_params: dict[str, str], user: str
    ) -> Result:
        operation_id = route.operation.operation_id
        validator = route.validator
        query = parse_qs(scope["query_string"].decode("latin-1")) if validator.query_params else {}
        params = validator.check_params(raw_params, query)
        body: Any = None
        present = False
        if validator.body is not None:
            raw = await _read_body(receive)
            present = bool(raw.strip())
            if present:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise ApiError(400, "Malformed JSON request body") from None
            if not self.hooks.skips_validation(operation_id):
                try:
                    validator.check_body(body, present)
                except ApiError:
                    replacement = self.hooks.invalid_body_response(operation_id)
                    if replacement is not None:
                        raise _RawAnswer(replacement) from None
                    raise
        delay = self.hooks.delay(operation_id)
        if delay:
            await asyncio.sleep(delay)
        with self.state.lock:
            now = self.clock()
            jobs.settle(self.state, now)
            ctx = Context(
                self.state, operation_id, params, body, user, now, self.config, self.hooks
            )
            result = self.handlers[operation_id](ctx)
            if route.operation.mutates:
                self.state.audit.append(now, user, operation_id, ctx.resource, "SUCCESS")
        return result

    def _audit(self, user: str, operation_id: str, resource: str | None, result: str) -> None:
        with self.state.lock:
            self.state.audit.append(self.clock(), user, operation_id, resource, result)

    async def _vcenter(self, scope: Scope, send: Send, method: str, path: str) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        with self.state.lock:
            jobs.settle(self.state, self.clock())
            status, payload = self.vcenter.handle(method, path, scope["query_string"], headers)
        await _send(send, status, b"" if status == 204 else dumps(payload))


class _RawAnswer(Exception):
    """Carries a non-envelope response (only a fault produces one)."""

    def __init__(self, response: Any) -> None:
        super().__init__("raw answer")
        self.response = response


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


_JSON_HEADERS = [(b"content-type", b"application/json")]


async def _send(
    send: Send, status: int, body: bytes, extra: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(config: EmulatorConfig | None = None, clock: Clock | None = None) -> Starlette:
    """The ASGI app of an emulated appliance (state lives in ``app.state.appliance``)."""
    config = config or EmulatorConfig()
    config.validate()
    appliance = Appliance(config, clock or system_clock, load_contract())
    app = Starlette()
    # every path is the appliance's, including ones no route pattern matches (``%0A``)
    app.router.default = appliance
    app.state.appliance = appliance
    return app
