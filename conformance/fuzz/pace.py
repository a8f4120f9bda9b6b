"""Schemathesis' requests keep the process's pace (``--rate-limit``) through its public
``before_call`` hook, the same :data:`~conformance.core.pacing.PACER` as the harness's own
clients."""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import Case

from conformance.core.pacing import PACER


@schemathesis.hook
def before_call(context: Any, case: Case, kwargs: dict[str, Any]) -> None:
    PACER.wait()
