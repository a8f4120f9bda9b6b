"""The exchange log: every HTTP exchange of a suite process, redacted, as JSON lines.

The child pytest process installs one :class:`ExchangeLog` (``conformance.child.recording``)
into ``RUN_DIR/exchanges/``. Every :class:`~conformance.http.session.RecordingClient`
(probes, scenarios, logins, vCenter) reaches it through the process's listeners
(:data:`conformance.http.process.LISTENERS`), and the fuzzing engine hands it the cases
schemathesis sent. Callers label what they send with :func:`labels` (kind of input,
operationId, workflowId); an exchange without an operationId gets the one its method and
URL match in the contract.

Each line is one :class:`ExchangeRecord`. Bodies are capped at :data:`BODY_CAP` bytes, and
the record says when one was cut. Records are appended as they happen and never held.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import IO, Any

from conformance.contract import json_budget
from conformance.http import process
from conformance.http.session import Exchange

#: The folder of the run that holds the exchange logs, one ``*.jsonl`` per process.
EXCHANGES_DIR = "exchanges"
#: At most this many bytes of a body are kept in the log (and in a HAR made from it).
BODY_CAP = 64 * 1024
#: The kind of an exchange nobody labelled: the harness's own calls (logins, lookups).
SESSION_KIND = "session"
PROBE_KIND = "probe"
SCENARIO_KIND = "scenario"
JSON_TYPES = ("string", "integer", "number", "boolean", "null", "object", "array")

#: Finds the operationId of a method and URL, or None.
Matcher = Callable[[str, str], "str | None"]


@dataclass(frozen=True)
class Labels:
    """What the code sending a request knows about it."""

    kind: str = SESSION_KIND
    operation_id: str | None = None
    workflow_id: str | None = None


_UNLABELLED = Labels()
_LABELS: contextvars.ContextVar[Labels] = contextvars.ContextVar("scv_labels", default=_UNLABELLED)


@contextlib.contextmanager
def labels(
    kind: str, operation_id: str | None = None, workflow_id: str | None = None
) -> Iterator[None]:
    """Label every exchange recorded in this block (in this thread or task)."""
    token = _LABELS.set(Labels(kind, operation_id, workflow_id))
    try:
        yield
    finally:
        _LABELS.reset(token)


@dataclass(frozen=True)
class Body:
    """A body as logged: its (possibly cut) text, its full size and whether it was cut;
    ``encoding`` is ``base64`` for a binary body (its text the base64, never cut)."""

    text: str
    size: int
    truncated: bool
    encoding: str = ""

    @classmethod
    def capped(cls, text: str, cap: int = BODY_CAP, encoding: str = "") -> Body:
        if encoding == "base64":
            return cls(text, len(text) * 3 // 4 - text[-2:].count("="), False, encoding)
        raw = text.encode("utf-8")
        if len(raw) <= cap:
            return cls(text, len(raw), False)
        return cls(raw[:cap].decode("utf-8", errors="ignore"), len(raw), True)


@dataclass(frozen=True)
class ExchangeRecord:
    """One logged exchange; secrets were redacted before it was made."""

    started: float  # seconds since the epoch
    elapsed_ms: float
    kind: str
    mode: str | None  # positive / negative for generated cases
    operation_id: str | None
    workflow_id: str | None
    method: str
    url: str
    status: int | None
    status_text: str
    request_headers: dict[str, str]
    request_body: Body
    response_headers: dict[str, str]
    response_body: Body
    #: Field paths of a JSON answer and their JSON types (see :func:`shape_of`).
    shape: dict[str, str] | None = field(default=None)

    def to_json(self) -> str:
        # a shallow dict: asdict() would deep-copy every header and shape on the hot path
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["request_body"] = self.request_body.__dict__
        data["response_body"] = self.response_body.__dict__
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> ExchangeRecord:
        data = json.loads(line)
        data["request_body"] = Body(**data["request_body"])
        data["response_body"] = Body(**data["response_body"])
        return cls(**data)

    @property
    def response_content_type(self) -> str:
        return _header(self.response_headers, "content-type")

    @property
    def request_content_type(self) -> str:
        return _header(self.request_headers, "content-type")


def _header(headers: dict[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


def json_type(value: Any) -> str:
    """The JSON type name of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def merge_types(*types: str) -> str:
    """``string|null`` from ``string``, ``null``: each type once, in a fixed order."""
    seen = {t for joined in types if joined for t in joined.split("|")}
    return "|".join(t for t in JSON_TYPES if t in seen)


def shape_of(value: Any) -> dict[str, str]:
    """Every field path of a JSON value and its type(s): ``response.items[].id: integer``.

    Array items share the path ``name[]``; a path seen with two types lists both. The root
    is ``$`` only when it is not an object.
    """
    shape: dict[str, str] = {}

    def walk(path: str, node: Any) -> None:
        if path:
            shape[path] = merge_types(shape.get(path, ""), json_type(node))
        if isinstance(node, dict):
            for key, child in node.items():
                walk(f"{path}.{key}" if path else str(key), child)
        elif isinstance(node, list):
            for item in node:
                walk(f"{path}[]", item)

    walk("" if isinstance(value, dict) else "$", value)
    return shape


def _shape_of_body(content_type: str, text: str) -> dict[str, str] | None:
    if "json" not in content_type.lower() or not text:
        return None
    try:
        return shape_of(json_budget.loads(text))
    except ValueError:
        return None


def make_record(
    exchange: Exchange,
    *,
    kind: str,
    operation_id: str | None,
    workflow_id: str | None = None,
    mode: str | None = None,
    started: float | None = None,
    status_text: str = "",
) -> ExchangeRecord:
    """The log record of a redacted exchange; bodies capped, the answer's shape taken."""
    content_type = _header(exchange.response_headers, "content-type")
    return ExchangeRecord(
        started=started if started is not None else time.time() - exchange.elapsed_ms / 1000,
        elapsed_ms=round(exchange.elapsed_ms, 3),
        kind=kind,
        mode=mode,
        operation_id=operation_id,
        workflow_id=workflow_id,
        method=exchange.method.upper(),
        url=exchange.url,
        status=exchange.status_code,
        status_text=status_text,
        request_headers=dict(exchange.request_headers),
        request_body=Body.capped(exchange.request_body),
        response_headers=dict(exchange.response_headers),
        response_body=Body.capped(exchange.response_body, encoding=exchange.response_encoding),
        shape=_shape_of_body(content_type, exchange.response_body),
    )


class ExchangeLog:
    """Appends records to one JSON-lines file, opened on the first record; thread-safe."""

    def __init__(self, path: Path, matcher: Matcher | None = None) -> None:
        self.path = path
        self.matcher = matcher
        self.count = 0
        self._lock = threading.Lock()
        self._file: IO[str] | None = None

    def write(self, record: ExchangeRecord, match: bool = False) -> None:
        """Append ``record``; with ``match`` (or no operationId) its URL names the operation."""
        if (match or record.operation_id is None) and self.matcher is not None:
            operation_id = self.matcher(record.method, record.url)
            if operation_id is not None and operation_id != record.operation_id:
                record = _with_operation(record, operation_id)
        line = record.to_json() + "\n"
        with self._lock:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
            self._file.write(line)
            self._file.flush()
            self.count += 1

    def exchange(self, exchange: Exchange) -> None:
        """A session's listener: log ``exchange`` with the labels of the calling code."""
        current = _LABELS.get()
        # the URL names the operation best (a probe's session may log in again meanwhile);
        # the label covers URLs the contract has no template for (a probe's odd paths)
        self.write(
            make_record(
                exchange,
                kind=current.kind,
                operation_id=current.operation_id,
                workflow_id=current.workflow_id,
            ),
            match=True,
        )

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def _with_operation(record: ExchangeRecord, operation_id: str) -> ExchangeRecord:
    data = asdict(record)
    data["operation_id"] = operation_id
    data["request_body"] = record.request_body
    data["response_body"] = record.response_body
    return ExchangeRecord(**data)


_ACTIVE: list[ExchangeLog] = []


def install(log: ExchangeLog) -> None:
    """Make ``log`` receive every exchange of this process."""
    _ACTIVE.append(log)
    process.LISTENERS.append(log.exchange)


def uninstall(log: ExchangeLog) -> None:
    if log in _ACTIVE:
        _ACTIVE.remove(log)
    if log.exchange in process.LISTENERS:
        process.LISTENERS.remove(log.exchange)
    log.close()


def active() -> bool:
    """True when this process keeps an exchange log."""
    return bool(_ACTIVE)


def record(entry: ExchangeRecord) -> None:
    """Log ``entry`` (an exchange no session saw, such as a fuzzing case) if a log is kept."""
    for log in _ACTIVE:
        log.write(entry)


def log_name(worker: str | None = None, pid: int | None = None) -> str:
    """The file of one process: ``main-<pid>.jsonl`` or ``gw0-<pid>.jsonl`` under xdist."""
    return f"{worker or 'main'}-{pid or os.getpid()}.jsonl"


def log_files(run_dir: Path) -> list[Path]:
    """The exchange logs of a run, in name order."""
    return sorted((run_dir / EXCHANGES_DIR).glob("*.jsonl"))


def read_records(paths: Iterable[Path]) -> Iterator[ExchangeRecord]:
    """Every record of ``paths``, one file after the other, one line at a time.

    A line that does not parse (a process killed mid-write) is passed over.
    """
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    yield ExchangeRecord.from_json(line)
                except (ValueError, TypeError, KeyError):
                    continue
