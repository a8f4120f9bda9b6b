"""How a test says it found a deviation, so that every report finds it.

A deviation (the appliance contradicts only an assumption of ours, see ``specs/README.md``)
passes its test; under ``--strict`` it fails it. Either way the test carries the property
(and, prefixed, Allure label) ``verdict`` = ``deviation`` and its text in the property
``deviation``; a test it fails has a message that starts with ``[deviation]``, which
Allure categories can match.
"""

from __future__ import annotations

#: The item property (Allure label ``scv.verdict``) whose value is :data:`DEVIATION`.
VERDICT_PROPERTY = "verdict"
DEVIATION = "deviation"
#: The item property (Allure label ``scv.deviation``) holding the deviation's text.
MESSAGE_PROPERTY = "deviation"
#: In front of the message of a test a deviation fails (under --strict).
TAG = "[deviation]"


def tagged(message: str) -> str:
    """``message`` as the failure message of a deviation under --strict."""
    return f"{TAG} {message}"
