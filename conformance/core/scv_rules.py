"""Rules the SCV documentation sets for every answer, judged on the answer alone.

The fuzzing checks apply them to each answer schemathesis gets; ``scv-conformance check``
applies them to a recorded HAR. Each returns the problem found, or None.
"""

from __future__ import annotations

import json
import re
from typing import Any

URI_NULL = "scv_uri_null"
ERROR_ENVELOPE = "scv_error_envelope"
AUTH_REQUIRED = "scv_auth_required"
#: The keys every envelope has; ``response`` and ``uri`` are optional (the documented rename
#: answer has neither).
ENVELOPE_FIELDS = ("statusCode", "statusMessage", "responseMessage")
#: What a leaked server-side stack trace or exception looks like in a body.
STACK_TRACE = re.compile(
    r"java\.|javax\.|springframework|Exception\b|Exception:|\tat |^\s+at [\w$.]+\(|\.java:\d*"
    r"|Traceback \(most recent call last\)|File \"[^\"]+\", line \d+",
    re.MULTILINE,
)


def uri_problem(body: Any) -> str | None:
    """Every JSON answer is the SCV envelope, whose ``uri``, when present, is null.

    ``body`` is the decoded JSON answer.
    """
    if not isinstance(body, dict):
        return "The JSON answer is not the SCV envelope: it is not an object"
    if "uri" not in body:
        return None
    if body["uri"] is not None:
        return f"The envelope's `uri` must always be null (documented); got {body['uri']!r}"
    return None


def error_envelope_problem(status: int, text: str, content_type: str, body: Any) -> str | None:
    """Error answers are the SCV envelope and leak no stack trace or exception name.

    ``body`` is the decoded JSON answer, or None when it is not JSON.
    """
    if status < 400:
        return None
    leak = STACK_TRACE.search(text)
    if leak:
        return (
            f"The {status} answer leaks server internals "
            f"(found {leak.group(0).strip()!r}): no stack trace or exception class may reach "
            "the client"
        )
    if not isinstance(body, dict):
        return (
            f"The {status} answer is not the SCV JSON envelope "
            f"(Content-Type {content_type or 'none'}): {text[:200]!r}"
        )
    missing = [f for f in ENVELOPE_FIELDS if f not in body]
    if missing:
        return f"The error envelope lacks {', '.join(missing)}: {json.dumps(body)[:200]}"
    if body["statusCode"] != status:
        return (
            f"The envelope says statusCode {body['statusCode']!r} but the HTTP status is {status}"
        )
    return None
