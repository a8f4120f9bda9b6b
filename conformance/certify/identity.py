"""Who the appliance says it is: its OpenAPI title and version, and its TLS certificate.

The title and version are what the run's preflight read from the appliance's API
description (summary.json ``preflight``); the certificate is asked for once, after the
run. Nothing here is trusted beyond "this is what answered": the appliance reports its
own version, and the certificate fingerprint says which key the server held, not who owns
it.
"""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from conformance.core.settings import Settings

PROBE_TIMEOUT_SECONDS = 15.0


def appliance_identity(settings: Settings, summary: Mapping[str, Any]) -> dict[str, Any]:
    """What the target reported about itself in the run ``summary`` describes; empty values
    where it said nothing, and for the embedded emulator."""
    identity: dict[str, Any] = {"title": None, "version": None, "tlsCertificateSha256": None}
    if settings.target is None:
        return identity
    preflight = summary.get("preflight") or {}
    identity["title"] = preflight.get("title")
    identity["version"] = preflight.get("version")
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
