"""Who the appliance says it is: its OpenAPI title and version, and its TLS certificate.

Asked once before a certification run against a real target. Nothing here is trusted
beyond "this is what answered": the appliance reports its own version, and the
certificate fingerprint says which key the server held, not who owns it.
"""

from __future__ import annotations

import hashlib
import ssl
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.core.session import tls_verification
from conformance.core.settings import Settings

PROBE_TIMEOUT_SECONDS = 15.0


def appliance_identity(settings: Settings) -> dict[str, Any]:
    """What the target reports about itself; empty values where it says nothing."""
    identity: dict[str, Any] = {"title": None, "version": None, "tlsCertificateSha256": None}
    if settings.target is None:
        return identity
    try:
        answer = httpx.get(
            f"{settings.target}/v3/api-docs",
            verify=tls_verification(settings.tls_verify),
            timeout=PROBE_TIMEOUT_SECONDS,
        )
        info = answer.json().get("info", {}) if answer.status_code == 200 else {}
        identity["title"] = info.get("title")
        identity["version"] = info.get("version")
    except (httpx.HTTPError, ValueError, AttributeError):
        pass
    identity["tlsCertificateSha256"] = _certificate_fingerprint(settings.target)
    return identity


def _certificate_fingerprint(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return None
    try:
        pem = ssl.get_server_certificate(
            (parts.hostname, parts.port or 443), timeout=PROBE_TIMEOUT_SECONDS
        )
    except (OSError, ssl.SSLError):
        return None
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()
