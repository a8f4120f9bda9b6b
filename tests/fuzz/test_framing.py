"""Generated framing headers never leave: the answer to an unparseable message is the HTTP
server's, not the API's (a false deviation on any appliance)."""

from __future__ import annotations

import copy

import pytest
import schemathesis

from conformance.contract.spec import load_contract
from conformance.fuzz import steered
from conformance.fuzz.framing import FRAMING, drop_framing
from conformance.fuzz.st_internals import Ok

pytestmark = pytest.mark.unit


def test_the_framing_headers_are_dropped_whatever_their_case() -> None:
    headers = {"Content-Length": "NWp%{Gnkz%}?", "TRANSFER-ENCODING": "x", "#": "8@", "VW": "g"}
    assert drop_framing(headers) == ["Content-Length", "TRANSFER-ENCODING"]
    assert headers == {"#": "8@", "VW": "g"}
    assert drop_framing(None) == [] and drop_framing({}) == []
    assert {"host", "connection", "expect"} <= FRAMING


def test_every_case_a_suite_sends_loses_its_generated_framing_headers() -> None:
    """The hook every phase's case passes before it is sent (schemathesis' before_call)."""
    schema = schemathesis.openapi.from_dict(copy.deepcopy(load_contract().document))
    (operation,) = [
        r.ok()
        for r in schema.get_all_operations()
        if isinstance(r, Ok) and r.ok().path == "/4.1/policies" and r.ok().method == "get"
    ]
    case = operation.Case(headers={"Content-Length": "NWp%{Gnkz%}?", "p1C70_": "6"})
    steered._before_call(None, case, {})
    assert case.headers == {"p1C70_": "6"}
