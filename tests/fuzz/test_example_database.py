"""A seed sends the same cases on every machine: Hypothesis' example database is off.

Hypothesis replays the failing examples it saved in ``.hypothesis/`` before it generates
new ones; with the database on, a second run (or a run on a machine with another history)
would send other cases than the seed says. A small API that fails for large ids fills a
``.hypothesis/`` folder, then runs with the fuzzing suite's configuration send the same
cases as a run in an empty folder.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis import Config as SchemathesisConfig

from conformance.fuzz.profiles import Profile
from conformance.fuzz.st_config import config_table
from conformance.fuzz.st_internals import events, from_schema

pytestmark = pytest.mark.integration

SCHEMA: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "items", "version": "1"},
    "paths": {
        "/items/{id}": {
            "get": {
                "operationId": "getItem",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {"200": {"description": "the item"}},
            }
        }
    },
}
PROFILE = Profile("test", ("fuzzing",), max_examples=30, stateful_examples=1, stateful_max_steps=2)


class _Items(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        ident = self.path.rsplit("/", 1)[-1]
        status = 500 if ident.lstrip("-").isdigit() and abs(int(ident)) > 5 else 200
        body = json.dumps({"id": ident}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Items)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _sent(base_url: str, database: str | None = None) -> list[str]:
    """The paths one seeded run sends, in order (the suite's table; ``database`` replaces its
    choice when given)."""
    table = config_table(base_url=base_url, verify=False, seed=11, profile=PROFILE, operations=[])
    if database is not None:
        table["generation"]["database"] = database
    schema = schemathesis.openapi.from_dict(SCHEMA, config=SchemathesisConfig.from_dict(table))
    sent: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            sent += [case.value.path_parameters["id"] for case in event.recorder.cases.values()]
    return [str(ident) for ident in sent]


def test_a_populated_hypothesis_folder_changes_no_case(
    base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    monkeypatch.chdir(fresh)
    expected = _sent(base_url)

    used = tmp_path / "used"
    used.mkdir()
    monkeypatch.chdir(used)
    saved = used / ".hypothesis" / "examples"
    _sent(base_url, database=str(saved))  # a run that keeps its failing examples
    assert any(saved.rglob("*")), "the run saved nothing to replay"

    assert _sent(base_url) == expected
    assert _sent(base_url) == expected
    # the same folder as the database changes what a seeded run sends first
    assert _sent(base_url, database=str(saved)) != expected
