"""Where the proxy forwards a request: the appliance's SCV API or vCenter's REST API.

A real appliance is reached as every command reaches it (``--target``, ``--vcenter``,
``--tls-verify``, ``--proxy``, ``--header``, ``--request-timeout``); the embedded emulator
is called in-process, one app serving both APIs as ``emulate`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from starlette.types import ASGIApp

from conformance.core.settings import Settings
from conformance.http.session import tls_verification

#: Paths of vCenter's REST API, forwarded to vCenter.
VCENTER_PREFIXES = ("/api/session", "/api/vcenter/", "/rest/")
#: Where the proxy serves the SCV API: the path every SCV URL starts with.
API_BASE = "/api"
#: Seconds to connect to the upstream when a request timeout is not given.
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Upstream:
    """The appliance (and vCenter) behind the proxy."""

    #: The appliance's SCV base URL (``https://scv.lab:8144/api``).
    scv: str
    #: vCenter's root URL, None when the proxy does not forward vCenter's API.
    vcenter: str | None
    #: What reports call it: the target URL, or ``embedded emulator``.
    name: str
    #: Opens the HTTP client the proxy forwards with (in the proxy's event loop).
    open_client: Callable[[], httpx.AsyncClient] = field(repr=False)
    #: Extra headers for every forwarded request (``--header``).
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    embedded: bool = False

    @classmethod
    def of_settings(cls, settings: Settings) -> Upstream:
        """The target of ``settings`` (``--target`` given), reached with its options."""
        if settings.target is None:
            raise ValueError("no --target: use Upstream.of_app for the embedded emulator")
        verify = tls_verification(settings.tls_verify)
        timeout = settings.request_timeout or DEFAULT_TIMEOUT

        def open_client() -> httpx.AsyncClient:
            return httpx.AsyncClient(
                verify=verify,
                timeout=timeout,
                proxy=settings.proxy,
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
            )

        return cls(
            scv=settings.target,
            vcenter=settings.vcenter,
            name=settings.target,
            open_client=open_client,
            headers=dict(settings.headers),
        )

    @classmethod
    def of_app(cls, app: ASGIApp, name: str = "embedded emulator") -> Upstream:
        """An ASGI app serving both APIs (the emulator), called in-process."""

        def open_client() -> httpx.AsyncClient:
            return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=None)

        root = "http://emulator"
        return cls(f"{root}{API_BASE}", root, name, open_client, embedded=True)

    @classmethod
    def of_url(cls, scv: str, vcenter: str | None = None, verify: bool | str = True) -> Upstream:
        """An appliance at ``scv`` (and vCenter at ``vcenter``), with default options."""
        context = tls_verification(verify)

        def open_client() -> httpx.AsyncClient:
            return httpx.AsyncClient(verify=context, timeout=DEFAULT_TIMEOUT)

        return cls(scv.rstrip("/"), vcenter.rstrip("/") if vcenter else None, scv, open_client)

    def url(self, raw_path: str, query: str) -> str | None:
        """The upstream URL of a request to the proxy, None when nothing serves it."""
        suffix = f"?{query}" if query else ""
        if raw_path.startswith(VCENTER_PREFIXES):
            return f"{self.vcenter}{raw_path}{suffix}" if self.vcenter else None
        if raw_path == API_BASE or raw_path.startswith(API_BASE + "/"):
            return f"{self.scv}{raw_path[len(API_BASE) :]}{suffix}"
        return None

    @property
    def origin(self) -> str:
        parts = urlsplit(self.scv)
        return f"{parts.scheme}://{parts.netloc}"
