"""An appliance that ignores request fields it does not know, as Spring (Jackson) does.

The lenient test appliance (:mod:`tests.lenient_appliance`) with one more trait: a body
field the operation's request schema does not name is dropped before the emulator sees it,
so a misspelled ``restartVm`` is answered 200 and ``restartVM`` takes its default.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.contract.matching import OperationMatcher
from conformance.contract.pointers import dereference
from conformance.contract.spec import load_contract
from conformance.emulator import EmulatorConfig, create_app
from tests.lenient_appliance import Lenient, RunningAppliance
from tests.loopback import read_body, replaying, serve


def known_fields(operation_id: str) -> set[str] | None:
    """The top-level fields the request schema of ``operation_id`` names."""
    contract = load_contract()
    body = contract.operation(operation_id).definition.get("requestBody")
    if body is None:
        return None
    schema = dereference(contract.document, body)["content"]["application/json"]["schema"]
    resolved = dereference(contract.document, schema)
    return set((resolved.get("properties") or {}).keys())


@dataclass
class IgnoresUnknownFields:
    app: ASGIApp

    def __post_init__(self) -> None:
        self.matcher = OperationMatcher(load_contract())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = self.matcher(scope.get("method", ""), scope.get("path", ""))
        fields = known_fields(operation) if scope["type"] == "http" and operation else None
        if fields is None:
            await self.app(scope, receive, send)
            return
        raw = await read_body(receive)
        with suppress(ValueError, UnicodeDecodeError):
            body: Any = json.loads(raw)
            if isinstance(body, dict):
                raw = json.dumps({k: v for k, v in body.items() if k in fields}).encode()
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
        headers.append((b"content-length", str(len(raw)).encode()))
        await self.app({**scope, "headers": headers}, replaying(raw, receive), send)


@contextmanager
def serve_spring(job_duration: float = 0.1) -> Iterator[RunningAppliance]:
    """The Spring-like appliance on a loopback port over plain HTTP (vCenter on it too)."""
    config = EmulatorConfig(port=0, tls=False, job_duration=job_duration)
    with serve(IgnoresUnknownFields(Lenient(create_app(config)))) as port:
        yield RunningAppliance(
            f"http://127.0.0.1:{port}/api",
            f"http://127.0.0.1:{port}",
            config.username,
            config.password,
        )
