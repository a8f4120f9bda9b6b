"""How a Spring appliance reads a JSON request body: Jackson's default scalar coercions.

Spring's ``ObjectMapper`` keeps Jackson's defaults, under which a field of one scalar type
takes a JSON value of another that reads as it: a number or a boolean for a text field
(``123`` -> ``"123"``), a digit string for a number (``"443"`` -> ``443``), a fraction for
a whole number (``1.9`` -> ``1``, ``ACCEPT_FLOAT_AS_INT``), ``"true"``/``"false"`` for a
boolean. No document says the appliance turns these off; the contract's ``type`` refuses
them. A request that is valid once read this way is one the appliance most likely takes:
an appliance that does breaks an assumption of ours, not the documentation.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from jsonschema import Draft202012Validator

_INTEGER = re.compile(r"^-?[0-9]{1,18}$")
_NUMBER = re.compile(r"^-?[0-9]{1,18}(\.[0-9]{1,18})?([eE][-+]?[0-9]{1,3})?$")
#: Passes over a body (each pass coerces every value it finds at once).
MAX_PASSES = 8


class _Unread:
    """No coercion applies."""


UNREAD = _Unread()


def coerced(value: Any, wanted: str | Iterable[str]) -> Any:
    """``value`` as Jackson reads it into a field of JSON type ``wanted``, else UNREAD."""
    for kind in [wanted] if isinstance(wanted, str) else list(wanted):
        if kind == "string" and isinstance(value, bool):
            return "true" if value else "false"
        if kind == "string" and isinstance(value, int | float):
            return str(value)
        if kind == "integer" and isinstance(value, float) and not isinstance(value, bool):
            return int(value)
        if kind in ("integer", "number") and isinstance(value, str):
            if _INTEGER.match(value):
                return int(value)
            if kind == "number" and _NUMBER.match(value):
                return float(value)
        if kind == "boolean" and value in ("true", "false"):
            return value == "true"
    return UNREAD


def as_read(validator: Draft202012Validator, instance: Any) -> Any:
    """``instance`` with every value the schema's ``type`` refuses but Jackson coerces,
    coerced (a copy; ``instance`` itself when nothing applies)."""
    result = instance
    for _ in range(MAX_PASSES):
        changes = []
        for error in validator.iter_errors(result):
            if error.validator != "type" or isinstance(error.instance, dict | list):
                continue
            value = coerced(error.instance, error.validator_value)
            if value is not UNREAD:
                changes.append((list(error.absolute_path), value))
        if not changes:
            break
        result = copy.deepcopy(result)
        for path, value in changes:
            if not path:
                result = value
                continue
            holder = result
            for part in path[:-1]:
                holder = holder[part]
            holder[path[-1]] = value
    return result
