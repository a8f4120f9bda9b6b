"""The probes' valid requests, built from the contract without a server."""

from __future__ import annotations

import copy

import pytest
import schemathesis

from conformance.contract.spec import load_contract
from conformance.fuzz.probes import sample_request
from conformance.fuzz.st_internals import Ok

pytestmark = pytest.mark.unit

SCHEMA = schemathesis.openapi.from_dict(copy.deepcopy(load_contract().document))


def operation(path: str, method: str = "GET"):  # type: ignore[no-untyped-def]
    for result in SCHEMA.get_all_operations():
        if isinstance(result, Ok) and (result.ok().path, result.ok().method.upper()) == (
            path,
            method,
        ):
            return result.ok()
    raise AssertionError(f"no {method} {path}")


def test_the_audit_file_name_may_hold_dots_so_the_probe_leaves_the_dot_out() -> None:
    request = sample_request(operation("/4.1/audit/logs/{filename}"))
    assert request.allowed == "."


def test_other_path_parameters_allow_no_forbidden_character() -> None:
    assert sample_request(operation("/4.1/jobs/{id}")).allowed == ""
    assert sample_request(operation("/4.1/vm/{moref}/backups")).allowed == ""
