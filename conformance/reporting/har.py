"""The exchange logs of a run as one HAR 1.2 file (``--record FILE``).

Entries are streamed from the logs to the file, oldest first, never held all at once. Each
carries the standard fields other HAR readers expect (Redocly CLI's ``drift`` among them)
plus ``_scv``: the kind of input, generation mode, operationId and workflowId. A body cut
at the log's cap says so in the entry's ``comment``.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance import __version__
from conformance.http.recording import BODY_CAP, ExchangeRecord, read_records
from conformance.http.redaction import redact_strings, redactor
from conformance.http.redactor import Redactor
from conformance.reporting.atomic import open_atomic

HAR_VERSION = "1.2"
CREATOR = "scv-conformance"
HTTP_VERSION = "HTTP/1.1"


def _pairs(items: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in items]


def _status_text(record: ExchangeRecord) -> str:
    if record.status_text or record.status is None:
        return record.status_text
    try:
        return HTTPStatus(record.status).phrase
    except ValueError:
        return ""


def har_entry(record: ExchangeRecord) -> dict[str, Any]:
    """One HAR entry of a logged exchange."""
    started = datetime.fromtimestamp(record.started, UTC).isoformat(timespec="milliseconds")
    request: dict[str, Any] = {
        "method": record.method,
        "url": record.url,
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": _pairs(record.request_headers.items()),
        "queryString": _pairs(parse_qsl(urlsplit(record.url).query, keep_blank_values=True)),
        "headersSize": -1,
        "bodySize": record.request_body.size,
    }
    if record.request_body.text:
        request["postData"] = {
            "mimeType": record.request_content_type or "application/octet-stream",
            "text": record.request_body.text,
        }
    content: dict[str, Any] = {
        "size": record.response_body.size,
        "mimeType": record.response_content_type or "x-unknown",
        "text": record.response_body.text,
    }
    if record.response_body.encoding:
        content["encoding"] = record.response_body.encoding
    response = {
        "status": record.status or 0,
        "statusText": _status_text(record),
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": _pairs(record.response_headers.items()),
        "content": content,
        "redirectURL": next(
            (v for k, v in record.response_headers.items() if k.lower() == "location"), ""
        ),
        "headersSize": -1,
        "bodySize": record.response_body.size if record.status is not None else -1,
    }
    elapsed = max(record.elapsed_ms, 0.0)
    entry: dict[str, Any] = {
        "startedDateTime": started,
        "time": elapsed,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1}
        | {"send": 0, "wait": elapsed, "receive": 0},
        "_scv": {
            "kind": record.kind,
            "mode": record.mode,
            "operationId": record.operation_id,
            "workflowId": record.workflow_id,
        },
    }
    cut = [
        name
        for name, body in (("request", record.request_body), ("response", record.response_body))
        if body.truncated
    ]
    if cut:
        entry["comment"] = (
            f"{' and '.join(cut)} body truncated to {BODY_CAP // 1024} KiB "
            "(the size fields give the full size)"
        )
    if record.status is None:
        entry["_scv"]["error"] = "no answer"
    return entry


def entry_line(entry: dict[str, Any], secrets: Redactor) -> str:
    """One entry as a line of JSON, every secret replaced.

    The line is searched as a whole, once: the cost of a HAR does not grow with its strings
    or with the number of secrets. A replacement that would break the line's JSON (a secret
    spelt like the JSON around it) falls back to replacing in each string.
    """
    line = json.dumps(entry, ensure_ascii=False)
    hidden = secrets.redact(line) if secrets else line
    if hidden == line:
        return line
    try:
        json.loads(hidden)
    except ValueError:
        return json.dumps(redact_strings(entry, secrets), ensure_ascii=False)
    return hidden


def merged_records(paths: Iterable[Path]) -> Iterator[ExchangeRecord]:
    """The records of several logs, merged by start time (each log is read lazily)."""
    streams = [read_records([path]) for path in paths]
    return heapq.merge(*streams, key=lambda r: r.started)


def write_har(paths: Iterable[Path], out: Path, secrets: Iterable[str] = ()) -> int:
    """Write the records of ``paths`` to ``out`` as HAR 1.2, atomically; returns entries.

    ``secrets`` are replaced once more, in any encoding, on top of the logs' redaction.
    """
    hidden = redactor(frozenset(s for s in secrets if s))
    creator = {"name": CREATOR, "version": __version__}
    count = 0
    with open_atomic(out) as handle:
        handle.write(f'{{"log": {{"version": "{HAR_VERSION}", "creator": ')
        handle.write(json.dumps(creator))
        handle.write(', "pages": [], "entries": [')
        for record in merged_records(paths):
            handle.write(",\n" if count else "\n")
            handle.write(entry_line(har_entry(record), hidden))
            count += 1
        handle.write("\n]}}\n")
    return count
