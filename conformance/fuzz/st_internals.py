"""The schemathesis names the harness uses that schemathesis does not export.

schemathesis' public names are those of ``schemathesis.__all__`` (``Case``, ``Response``,
``BaseSchema``, ``APIOperation``, ``Config``, ``check``, ``openapi``, ...). The engine, its
events and recorder, the check registry and a few helpers are not among them: they are
imported here and nowhere else, so a schemathesis upgrade that moves one breaks this module
alone, and ``tests/fuzz/test_st_internals.py`` names what moved.
"""

from __future__ import annotations

from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core import NOT_SET, NotSet
from schemathesis.core.failures import ResponseTimeExceeded
from schemathesis.core.result import Ok
from schemathesis.engine import Status, events, from_schema
from schemathesis.engine.recorder import CaseNode, Request, ScenarioRecorder
from schemathesis.generation.hypothesis.examples import generate_one
from schemathesis.specs.openapi.checks import resource_was_deleted

__all__ = [
    "CHECKS",
    "NOT_SET",
    "CaseNode",
    "NotSet",
    "Ok",
    "Request",
    "ResponseTimeExceeded",
    "ScenarioRecorder",
    "Status",
    "events",
    "from_schema",
    "generate_one",
    "load_all_checks",
    "resource_was_deleted",
]
