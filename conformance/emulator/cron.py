"""Semantic checks of Quartz cron expressions (seconds first, optional year)."""

from __future__ import annotations

import re

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# field name, low, high, names (index 0 = low), question mark allowed
FIELDS = (
    ("seconds", 0, 59, (), False),
    ("minutes", 0, 59, (), False),
    ("hours", 0, 23, (), False),
    ("day of month", 1, 31, (), True),
    ("month", 1, 12, MONTHS, False),
    ("day of week", 1, 7, DAYS, True),
    ("year", 1970, 2099, (), False),
)
_TOKEN = re.compile(r"^(\*|[0-9A-Z]+)(?:-([0-9A-Z]+))?(?:/([0-9]+))?$")


def _value(text: str, low: int, high: int, names: tuple[str, ...], field: str) -> int:
    if text.isdigit():
        number = int(text)
    elif text in names:
        number = names.index(text) + low
    else:
        raise ValueError(f"'{text}' is not a valid {field} value")
    if not low <= number <= high:
        raise ValueError(f"{field} value {number} is outside {low}-{high}")
    return number


def _check_field(text: str, index: int) -> None:
    field, low, high, names, question = FIELDS[index]
    if text == "?":
        if not question:
            raise ValueError(f"'?' is not allowed in the {field} field")
        return
    for part in text.split(","):
        if index == 3 and part in ("L", "LW"):
            continue
        if index == 3 and part.endswith("W") and part[:-1].isdigit():
            _value(part[:-1], low, high, names, field)
            continue
        if index == 5 and ("#" in part or part.endswith("L")):
            day, _, nth = part.rstrip("L").partition("#")
            _value(day, low, high, names, field)
            if nth and not (nth.isdigit() and 1 <= int(nth) <= 5):
                raise ValueError(f"'{part}' is not a valid {field} value")
            continue
        match = _TOKEN.match(part)
        if match is None:
            raise ValueError(f"'{part}' is not a valid {field} value")
        start, end, step = match.groups()
        if start != "*":
            first = _value(start, low, high, names, field)
            if end is not None and _value(end, low, high, names, field) < first:
                raise ValueError(f"{field} range '{part}' ends before it starts")
        elif end is not None:
            raise ValueError(f"'{part}' is not a valid {field} value")
        if step is not None and int(step) == 0:
            raise ValueError(f"{field} step must be positive")


def cron_error(expression: str) -> str | None:
    """Why ``expression`` is not a valid Quartz cron, or None when it is."""
    fields = expression.split(" ")
    if len(fields) not in (6, 7):
        return f"a cron expression has 6 or 7 fields, not {len(fields)}"
    try:
        for index, text in enumerate(fields):
            _check_field(text, index)
    except ValueError as exc:
        return str(exc)
    if fields[3] == "?" and fields[5] == "?":
        return "only one of day of month and day of week may be '?'"
    return None
