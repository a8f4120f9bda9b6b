"""What threads going ahead need of the pytest process, and that it is all undone after."""

from __future__ import annotations

import ast
import os

import pytest
from _pytest import runner

from conformance.child.threads import CURRENT_TEST, threads_ahead

pytestmark = pytest.mark.unit


def test_pytest_empties_its_variable_instead_of_deleting_it_and_nesting_restores_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CURRENT_TEST, "x (call)")
    parse, update = ast.parse, runner._update_current_test_var
    with threads_ahead():
        with threads_ahead():
            runner._update_current_test_var(None, None)  # what pytest does after a test
            assert os.environ[CURRENT_TEST] == ""
        assert ast.parse is not parse  # the outer block still holds
    assert ast.parse is parse and runner._update_current_test_var is update
    assert CURRENT_TEST not in os.environ
