"""A test appliance that answers like the emulator, except in ways a real release might.

It wraps the emulator's ASGI app and rewrites every JSON answer: the policy list spelled
``PolicyResponseList``, times written ``2026-11-27 03:15:02`` (neither ISO 8601 nor the US
format), an extra field on every job, a job status the contract does not list, and no
``responseMessage`` key in the envelope. It also notes every request
method it is sent, so a test can prove a caller only read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.emulator import EmulatorConfig, create_app
from tests.loopback import serve

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def plain_time(value: str) -> str:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def rewrite(value: Any, key: str = "") -> Any:
    """The answer as the variant sends it."""
    if isinstance(value, dict):
        out = {}
        for name, item in value.items():
            if name == "responseMessage":
                continue
            new_name = "PolicyResponseList" if name == "policyResponseList" else name
            out[new_name] = rewrite(item, name)
        if "jobType" in value and "progress" in value:
            out["jobOwner"] = "administrator@vsphere.local"
            if value.get("status") == "COMPLETED":
                out["status"] = "SUCCEEDED"
        return out
    if isinstance(value, list):
        return [rewrite(item, key) for item in value]
    if isinstance(value, str) and key.endswith("Time") and _ISO.match(value):
        return plain_time(value)
    return value


@dataclass
class Variant:
    """The rewriting wrapper around one emulator app."""

    app: ASGIApp
    methods: list[str] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/api/v3/api-docs":
            await self.app(scope, receive, send)
            return
        self.methods.append(f"{scope['method']} {scope['path']}")
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            with suppress(ValueError):
                body = json.dumps(rewrite(json.loads(body))).encode()
            headers = [(k, v) for k, v in started["headers"] if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**started, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


@dataclass
class RunningVariant:
    base_url: str
    username: str
    password: str
    variant: Variant


@contextmanager
def serve_variant() -> Iterator[RunningVariant]:
    """The variant served on a loopback port over plain HTTP."""
    config = EmulatorConfig(port=0, tls=False)
    variant = Variant(create_app(config))
    with serve(variant, log_level="warning") as port:
        yield RunningVariant(
            f"http://127.0.0.1:{port}/api", config.username, config.password, variant
        )
