"""Keeping secrets out of reports, logs and the console."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"
SECRET_HEADERS = frozenset(
    {"token", "authorization", "vmware-api-session-id", "cookie", "set-cookie"}
)
#: A JSON field whose name contains one of these words holds a secret.
SECRET_WORDS = ("password", "token", "secret", "certificate")
_SECRET_JSON_FIELD = re.compile(r'("(?:password|token)"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of ``headers`` with secret values replaced."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {k: (REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in items}


def is_secret_field(name: str) -> bool:
    """True for ``password``, ``storage_password``, ``token`` and the like."""
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def redact_json(value: Any) -> Any:
    """A copy of a decoded JSON value with secret fields replaced, at any depth."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if is_secret_field(k) and v is not None else redact_json(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    return value


def secret_forms(secret: str) -> list[str]:
    """``secret`` as written raw, URL-encoded (``%20`` and ``+``) and inside a JSON string."""
    forms = [
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    ]
    return sorted(set(forms), key=len, reverse=True)


def replace_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every known secret value (four characters or more) replaced, in any of
    its :func:`secret_forms`."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            for form in secret_forms(secret):
                text = text.replace(form, REDACTED)
    return text


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with JSON secret fields and every known secret value replaced."""
    text = _SECRET_JSON_FIELD.sub(lambda m: f'{m.group(1)}"{REDACTED}"', text)
    return replace_secrets(text, secrets)


def redact_body(body: bytes | str | None, secrets: Iterable[str] = ()) -> str:
    """A printable, redacted rendering of a request or response body."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes of binary content>"
    try:
        rendered = json.dumps(redact_json(json.loads(body)), indent=2, ensure_ascii=False)
    except (ValueError, TypeError):
        rendered = body
    return redact_text(rendered, secrets)
