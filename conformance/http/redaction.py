"""Keeping secrets out of reports, logs and the console."""

from __future__ import annotations

import base64
import codecs
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from conformance.contract import json_budget
from conformance.http.bounds import cut
from conformance.http.redactor import MIN_FORM_LENGTH, REDACTED, Redactor

#: Shorter secrets are redacted only as whole values of secret fields and headers.
MIN_SECRET_LENGTH = MIN_FORM_LENGTH
SECRET_HEADERS = frozenset(
    {"token", "authorization", "vmware-api-session-id", "cookie", "set-cookie"}
)
#: A JSON field whose name contains one of these words holds a secret. A certificate is
#: public (the syslog server's CA certificate is read back as it was written); a private
#: key is a secret whatever its field is called (:data:`PRIVATE_KEY`).
SECRET_WORDS = ("password", "token", "secret", "private_key", "privatekey")
_SECRET_JSON_FIELD = re.compile(r'("(?:password|token)"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)
#: A PEM private key, in any value.
PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----.*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|$)",
    re.DOTALL,
)


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
    if isinstance(value, str) and "PRIVATE KEY-----" in value:
        return PRIVATE_KEY.sub(REDACTED, value)
    return value


def basic_auth(username: str, password: str) -> str:
    """The base64 credentials of an HTTP Basic ``Authorization`` header."""
    return base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def replace_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every known secret replaced, in every form it may be written in.

    The matcher of each set of secrets is built once (:func:`redactor`), so its cost does
    not grow with the number of secrets. Secrets shorter than :data:`MIN_SECRET_LENGTH` are
    not replaced inside other text (a one-letter password would mangle every word holding
    that letter); they are kept out only as whole values of secret fields and headers
    (:func:`redact_json`, :func:`redact_headers`).
    """
    return redactor(frozenset(s for s in secrets if s)).redact(text)


@lru_cache(maxsize=16)
def redactor(secrets: frozenset[str]) -> Redactor:
    """The matcher of one set of secrets (a client's grows by one token at a login)."""
    return Redactor(secrets)


#: The secrets this process has met: the passwords it was given and the tokens and session
#: ids it was issued (:func:`know`). A message is cleaned of them before it is cut short
#: (:func:`excerpt`): a cut secret is no longer a secret any later redaction can find.
KNOWN = Redactor()


def redact_strings(value: Any, secrets: Redactor) -> Any:
    """A copy of a decoded JSON value with every secret replaced in every string (keys too)."""
    if isinstance(value, str):
        return secrets.redact(value)
    if isinstance(value, dict):
        return {redact_strings(k, secrets): redact_strings(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_strings(v, secrets) for v in value]
    return value


def know(secrets: Iterable[str]) -> None:
    """Add ``secrets`` to those this process keeps out of every message it cuts."""
    KNOWN.add(secrets)


def excerpt(text: str, limit: int, ellipsis: str = "") -> str:
    """At most ``limit`` characters of ``text`` (and ``ellipsis`` when cut), redacted first:
    JSON secret fields, private keys and every secret this process knows (:data:`KNOWN`)."""
    cleaned = KNOWN.redact(redact_text(text))
    if len(cleaned) <= limit:
        return cleaned
    marker = cleaned.find(REDACTED, max(limit - len(REDACTED) + 1, 0), limit + len(REDACTED))
    if -1 < marker < limit:  # the cut falls inside a marker: keep it whole
        limit = marker + len(REDACTED)
    return cleaned[:limit] + ellipsis


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with JSON secret fields, private keys and every known secret replaced."""
    text = _SECRET_JSON_FIELD.sub(lambda m: f'{m.group(1)}"{REDACTED}"', text)
    if "PRIVATE KEY-----" in text:
        text = PRIVATE_KEY.sub(REDACTED, text)
    return replace_secrets(text, secrets)


#: A JSON body longer than this is redacted as text, not parsed and indented: what is kept
#: of it is cut long before (64 KiB), and indenting megabytes costs their size many times.
PRETTY_CHARS = 1024 * 1024


#: Characters read past a cut when a body is redacted before it is cut: a secret (or a
#: secret field) that begins before the cut ends within them, so it is found whole.
CUT_MARGIN = 64 * 1024


def redact_body(
    body: bytes | str | None, secrets: Iterable[str] = (), limit: int | None = None
) -> str:
    """A printable, redacted rendering of a request or response body.

    With ``limit``, at most ``limit`` characters of it, redacted before they are cut (and
    how many more there were): of a larger body only the part kept and
    :data:`CUT_MARGIN` (or the longest form of a secret) past it are decoded and redacted,
    not the megabytes the cut drops.
    """
    if body is None:
        return ""
    size = len(body)
    if limit is not None:
        secrets = tuple(secrets)
        margin = max(CUT_MARGIN, redactor(frozenset(s for s in secrets if s)).reach)
        if size > limit + margin:
            head = _text_head(body, limit + margin)
            if head is None:
                return f"<{size} bytes of binary content>"
            kept = redact_text(head, secrets)[:limit]
            return f"{kept}\n… [about {size - limit} more characters not kept]"
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes of binary content>"
    if len(body) > PRETTY_CHARS:  # kept cut anyway: redacted as text, without its copies
        return cut(redact_text(body, secrets), limit) if limit else redact_text(body, secrets)
    try:
        rendered = json.dumps(redact_json(json_budget.loads(body)), indent=2, ensure_ascii=False)
    except (ValueError, TypeError):
        rendered = body
    redacted = redact_text(rendered, secrets)
    return cut(redacted, limit) if limit else redacted


def _text_head(body: bytes | str, size: int) -> str | None:
    """The first ``size`` characters of ``body`` (None: it is not UTF-8 text)."""
    if isinstance(body, str):
        return body[:size]
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        return decoder.decode(body[: size * 4], final=False)[:size]  # a cut character waits
    except UnicodeDecodeError:
        return None


#: The largest binary answer an exchange keeps (as base64, its log entry stays under 64 KiB).
BINARY_CAP = 48 * 1024
#: Content types whose bodies are text (anything else is kept as binary).
TEXTUAL = ("json", "text", "xml", "html", "yaml", "javascript", "x-www-form-urlencoded")
#: The most bytes a zip's members may declare for their redaction to be tried.
ZIP_CONTENT_CAP = 8 * 1024 * 1024
#: The first bytes of compressed formats other than zip: they may hide a secret no
#: redaction can read, so they are never kept.
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"\x28\xb5\x2f\xfd")


def is_textual(content_type: str) -> bool:
    """True when a body of ``content_type`` is text (JSON, plain text, XML, HTML...)."""
    lowered = content_type.lower()
    return any(kind in lowered for kind in TEXTUAL)


def redact_binary(content: bytes, secrets: Iterable[str] = ()) -> bytes | None:
    """A binary body with every secret replaced, or None when that cannot be made sure of.

    A zip (the appliance's job logs) is rebuilt with each member's text redacted, names,
    dates and compression kept; other bytes are redacted where they hold text. A zip that
    does not read, and other compressed formats, give None: what they hide cannot be read,
    so it cannot be kept.
    """
    if content.startswith(_COMPRESSED):
        return None
    if not content.startswith(b"PK\x03\x04"):
        return _redacted_bytes(content, secrets)
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
            if sum(info.file_size for info in source.infolist()) > ZIP_CONTENT_CAP:
                return None  # a reader stops at the declared size: this bounds the memory
            for info in source.infolist():
                data = source.read(info) if not info.is_dir() else b""
                target.writestr(info, _redacted_bytes(data, secrets) if data else data)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError, OSError):
        return None  # encrypted, cut or damaged
    return out.getvalue()


def _redacted_bytes(data: bytes, secrets: Iterable[str]) -> bytes:
    text = data.decode("utf-8", "surrogateescape")
    redacted = redact_text(text, secrets)
    return data if redacted == text else redacted.encode("utf-8", "surrogateescape")


def response_text(
    content: bytes, content_type: str, secrets: Iterable[str] = (), limit: int | None = None
) -> tuple[str, str]:
    """A response body as an exchange keeps it, redacted, and its encoding: text as text
    (``""``; with ``limit``, cut there after it is redacted, :func:`redact_body`), binary as
    ``base64`` (:func:`redact_binary`); an empty body is empty text."""
    if not content:
        return "", ""
    if is_textual(content_type):
        return redact_body(content, secrets, limit), ""
    kind = content_type or "unknown content"
    if len(content) > BINARY_CAP:
        return f"<{len(content)} bytes of {kind}: over the {BINARY_CAP // 1024} KiB kept>", ""
    redacted = redact_binary(content, secrets)
    if redacted is None:
        return f"<{len(content)} bytes of {kind}: compressed in a form not read, not kept>", ""
    return base64.b64encode(redacted).decode("ascii"), "base64"
