"""A test appliance that differs from the emulator only where the documentation allows.

It serves the emulator (English spellings, its default) through an ASGI wrapper that
rewrites every JSON answer the way a real release plausibly would:

- times in the US format a public client parses (``11/27/2026 03:15:02 AM``);
- no ``uri`` key in the envelope (a ``uri`` with a value, under a fault, stays), and
  ``responseMessage`` as a list of strings, as in the one complete answer the
  documentation shows;
- extra fields where the contract closes a schema by assumption only: the audit
  configuration and a policy's retention (Jackson writes what the class has);
- ``unmountDatastore`` as the job type of an unmount, where the documentation names no type.

Like a Spring appliance (Jackson), it ignores request fields it does not know (the
emulator's ``unknown_fields="ignore"``). Its own extra fields it reads back in requests as
the emulator reads the fields it knows: a text, and a value of another JSON type refused
with a 400 (:func:`misread_extra`). It takes its own job type as the value of a job-type
filter (one enum for both). It names the storage user ``userName`` in requests and
answers, as the emulator does.

None of this breaks the vendor's documentation; each extra field, and the job type a
workflow checks, breaks an assumption of ours: a deviation, not a failure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.emulator import EmulatorConfig, create_app
from conformance.emulator.envelope import JSON_HEADERS, dumps, envelope
from conformance.scenarios.inventory import EMULATOR_INVENTORY
from tests.loopback import read_body, replaying, serve

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
#: The extra fields, by the key of the object that gets them.
AUDIT_EXTRA = ("auditLevel", "FULL")
RETENTION_EXTRA = ("unit", "BACKUPS")
UNMOUNT_JOB_TYPE = "unmountDatastore"


def us_time(value: str) -> str:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.strftime("%m/%d/%Y %I:%M:%S %p")


def extra_of(value: dict[str, Any], key: str) -> tuple[str, str] | None:
    """The extra field (name, value) this appliance has in the object ``value``, found
    under ``key``: the audit configuration's and a retention's."""
    if {"retentionDays", "maxFileSizeInMB"} <= value.keys():
        return AUDIT_EXTRA
    if key == "retention":
        return RETENTION_EXTRA
    return None


def rewrite(value: Any, key: str = "") -> Any:
    """The answer as this appliance sends it."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for name, item in value.items():
            if name == "uri" and item is None:
                continue
            if name == "responseMessage" and isinstance(item, str):
                out[name] = [item]
                continue
            out[name] = rewrite(item, name)
        extra = extra_of(value, key)
        if extra is not None:
            out[extra[0]] = extra[1]
        if value.get("jobType") == "unmountBackup":
            out["jobType"] = UNMOUNT_JOB_TYPE
        return out
    if isinstance(value, list):
        return [rewrite(item, key) for item in value]
    if isinstance(value, str) and _ISO.match(value):
        return us_time(value)
    return value


def misread_extra(value: Any, key: str = "") -> str | None:
    """The first extra field in a request body that is not a text, as a field path."""
    if isinstance(value, dict):
        extra = extra_of(value, key)
        if extra is not None and extra[0] in value and not isinstance(value[extra[0]], str):
            return f"{key}.{extra[0]}" if key else extra[0]
        for name, item in value.items():
            found = misread_extra(item, name)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = misread_extra(item, key)
            if found is not None:
                return found
    return None


def accepted_query(query: bytes) -> bytes:
    """A query string with this appliance's job type as the emulator names it."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    emulated = [(k, "unmountBackup" if v == UNMOUNT_JOB_TYPE else v) for k, v in pairs]
    return urlencode(emulated).encode("latin-1") if emulated != pairs else query


@dataclass
class Lenient:
    """The rewriting wrapper around one emulator app."""

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/4.1/"):
            await self.app(scope, receive, send)
            return
        scope = {**scope, "query_string": accepted_query(scope["query_string"])}
        received = await read_body(receive)
        with suppress(ValueError, UnicodeDecodeError, RecursionError):
            misread = misread_extra(json.loads(received))
            if misread is not None:
                message = f"Invalid value for field '{misread}': not a text"
                answer = dumps(rewrite(envelope(400, message)))
                await Response(answer, 400, JSON_HEADERS)(scope, receive, send)
                return
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
            with suppress(ValueError, UnicodeDecodeError):
                body = json.dumps(rewrite(json.loads(body))).encode()
            headers = [(k, v) for k, v in started["headers"] if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**started, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, replaying(received, receive), capture)


@dataclass(frozen=True)
class RunningAppliance:
    base_url: str
    vcenter_url: str
    username: str
    password: str

    def config_file(self, directory: Path, *lines: str) -> Path:
        """A configuration file for runs against it (the password left to SCV_PASSWORD):
        destructive, the emulator's inventory, generous time budgets, and ``lines``."""
        inventory = "\n".join(f'{key} = "{value}"' for key, value in EMULATOR_INVENTORY.items())
        path = directory / "lenient.toml"
        path.write_text(
            f'target = "{self.base_url}"\n'
            f'vcenter = "{self.vcenter_url}"\n'
            f'username = "{self.username}"\n'
            "tls_verify = false\n"
            "allow_destructive = true\n"
            "job_timeout = 30\n"
            # a busy test machine must not turn a slow answer into a failure
            "response_time_budget_ms = 5000\n"
            + "".join(f"{line}\n" for line in lines)
            + f"[inventory]\n{inventory}\n"
        )
        path.chmod(0o600)
        return path


@contextmanager
def serve_lenient(
    job_duration: float = 0.2, fault: str | None = None
) -> Iterator[RunningAppliance]:
    """The lenient appliance on a loopback port over plain HTTP (vCenter on the same port),
    with an emulator ``fault`` if given (a ``uri`` it sets is kept)."""
    config = EmulatorConfig(
        port=0, tls=False, job_duration=job_duration, fault=fault, unknown_fields="ignore"
    )
    app = Lenient(create_app(config))
    with serve(app) as port:
        yield RunningAppliance(
            f"http://127.0.0.1:{port}/api",
            f"http://127.0.0.1:{port}",
            config.username,
            config.password,
        )
