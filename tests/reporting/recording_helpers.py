"""Synthetic exchange records for the HAR, observations and check tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.http.recording import EXCHANGES_DIR, ExchangeLog, make_record
from conformance.http.session import Exchange

BASE = "https://scv.lab:8144/api"


def envelope(response: Any, uri: str | None = None, status: int = 200) -> str:
    return json.dumps(
        {
            "statusCode": status,
            "statusMessage": "OK" if status < 400 else "Bad Request",
            "responseMessage": None if status < 400 else "The request is invalid",
            "response": response,
            "uri": uri,
        }
    )


def exchange(
    method: str,
    path: str,
    status: int,
    body: str = "",
    *,
    elapsed_ms: float = 10.0,
    token: bool = True,
    request_body: str = "",
    content_type: str = "application/json",
) -> Exchange:
    headers = {"Accept": "application/json"}
    if token:
        headers["Token"] = "[REDACTED]"
    if request_body:
        headers["Content-Type"] = "application/json"
    return Exchange(
        method=method,
        url=BASE + path,
        request_headers=headers,
        request_body=request_body,
        status_code=status,
        response_headers={"content-type": content_type} if body else {},
        response_body=body,
        elapsed_ms=elapsed_ms,
    )


def write_log(
    run_dir: Path,
    name: str,
    items: list[tuple[Exchange, str, str | None]],
    start: float = 1_800_000_000.0,
) -> Path:
    """A log of (exchange, kind, operationId) items, one second apart from ``start``."""
    log = ExchangeLog(run_dir / EXCHANGES_DIR / name)
    for offset, (item, kind, operation_id) in enumerate(items):
        mode = kind.rpartition("-")[2] if "-" in kind else None
        log.write(
            make_record(
                item,
                kind=kind,
                operation_id=operation_id,
                mode=mode,
                started=start + offset,
            )
        )
    log.close()
    return log.path
