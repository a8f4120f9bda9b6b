"""A child-side plugin of the tests: every case schemathesis sends, one JSON line each.

Written beside the run's manifest (``cases.jsonl``): method, path, query and body, the
phase, the operation and when the request went out and its answer came back.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import Case

from conformance.fuzz.st_internals import NotSet

_LOCK = threading.Lock()
_SENT: dict[int, float] = {}


def _log_path() -> Path:
    return Path(os.environ["SCV_CONFORMANCE_MANIFEST"]).parent / "cases.jsonl"


@schemathesis.hook
def before_call(context: Any, case: Case, kwargs: dict[str, Any]) -> None:
    with _LOCK:
        _SENT[id(case)] = time.time()


@schemathesis.hook
def after_call(context: Any, case: Case, response: Any) -> None:
    line = {
        "method": case.method,
        "path": case.formatted_path,
        "query": case.query,
        "body": _body(case.body),
        "phase": str(case.meta.phase.name.value) if case.meta else None,
        "operation": case.operation.label,
        "sent": _SENT.pop(id(case), None),
        "answered": time.time(),
    }
    text = json.dumps(line, sort_keys=True, default=repr)
    with _LOCK, open(_log_path(), "a", encoding="utf-8") as handle:
        handle.write(text + "\n")


def _body(body: Any) -> Any:
    if isinstance(body, NotSet):
        return None
    return body.hex() if isinstance(body, bytes) else body
