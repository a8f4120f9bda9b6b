"""Keeping secrets out of reports, logs and the console."""

from __future__ import annotations

import base64
import html
import json
import re
import shlex
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit
from xml.sax.saxutils import escape

REDACTED = "[REDACTED]"
#: Shorter secrets are redacted only as whole values of secret fields and headers.
MIN_SECRET_LENGTH = 4
SECRET_HEADERS = frozenset(
    {"token", "authorization", "vmware-api-session-id", "cookie", "set-cookie"}
)
#: A JSON field whose name contains one of these words holds a secret.
SECRET_WORDS = ("password", "token", "secret", "certificate")
_SECRET_JSON_FIELD = re.compile(r'("(?:password|token)"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)


#: A header whose name contains one of these words (besides SECRET_WORDS) holds a secret.
SECRET_HEADER_WORDS = ("auth", "key", "session", "cookie", "credential")


def public_url(url: str | None) -> str | None:
    """``url`` without any user name or password in it."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def url_credentials(url: str | None) -> str | None:
    """The ``user:password@`` part of ``url`` (a proxy's, say), None when it has none."""
    userinfo = urlsplit(url).netloc.rpartition("@")[0] if url else ""
    return f"{userinfo}@" if userinfo else None


def is_secret_header(name: str) -> bool:
    """True for ``Token``, ``Authorization``, ``X-Api-Key`` and the like."""
    lowered = name.lower()
    return (
        lowered in SECRET_HEADERS
        or is_secret_field(lowered)
        or any(word in lowered for word in SECRET_HEADER_WORDS)
    )


def secret_header_values(headers: Mapping[str, str]) -> list[str]:
    """The values of the secret-looking headers among ``headers``."""
    return [value for name, value in headers.items() if value and is_secret_header(name)]


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of ``headers`` with secret values replaced."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {k: (REDACTED if is_secret_header(k) else v) for k, v in items}


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


def secret_forms(secret: str) -> set[str]:
    """Every way ``secret`` may be written into an output.

    As text: as is, URL-encoded (path, query and form style), shell-quoted (whole, and
    inside a single-quoted string), XML/HTML-escaped and as a Python ``repr`` shows it.
    Each of these also JSON-escaped once and twice (ASCII or not): a curl command or an
    echoed message inside a JSON report is written that way.
    """
    texts = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    texts |= {shlex.quote(secret), repr(secret)[1:-1]}
    texts |= {escape(secret, {'"': "&quot;", "'": "&apos;"}), html.escape(secret, quote=True)}
    texts |= {escape(secret, {'"': "&#34;", "'": "&#39;"})}
    texts |= {text.replace("'", "'\"'\"'") for text in list(texts)}
    forms = set(texts)
    for text in texts:
        for ensure_ascii in (True, False):
            once = json.dumps(text, ensure_ascii=ensure_ascii)[1:-1]
            forms |= {once, json.dumps(once, ensure_ascii=ensure_ascii)[1:-1]}
    # a JSON body inside a single-quoted curl argument
    forms |= {form.replace("'", "'\"'\"'") for form in list(forms)}
    return {form for form in forms if form}


def basic_auth(username: str, password: str) -> str:
    """The base64 credentials of an HTTP Basic ``Authorization`` header."""
    return base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def replace_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every known secret replaced, in every form it may be written in.

    Secrets shorter than :data:`MIN_SECRET_LENGTH` are not replaced inside other text (a
    one-letter password would mangle every word holding that letter); they are kept out
    only as whole values of secret fields and headers (:func:`redact_json`,
    :func:`redact_headers`).
    """
    for form in replaceable_forms(secrets):
        if form in text:
            text = text.replace(form, REDACTED)
    return text


def replaceable_forms(secrets: Iterable[str]) -> list[str]:
    """The forms of ``secrets`` long enough to replace inside text, longest first."""
    forms = {form for secret in secrets if secret for form in secret_forms(secret)}
    return sorted((f for f in forms if len(f) >= MIN_SECRET_LENGTH), key=len, reverse=True)


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
