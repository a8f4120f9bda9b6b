"""Every string inside a JSON value."""

from __future__ import annotations

import pytest

from conformance.contract.pointers import strings

pytestmark = pytest.mark.unit


def test_strings_are_found_in_objects_and_arrays_depth_first_keys_left_out() -> None:
    value = {"a": ["x", {"key": "y", "n": 1}], "b": ("z",), "c": None, "d": True}
    assert list(strings(value)) == ["x", "y", "z"]
    assert list(strings("alone")) == ["alone"]
    assert list(strings(3)) == []
