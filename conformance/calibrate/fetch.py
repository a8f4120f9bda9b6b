"""Finding and reading the appliance's own API description.

A Spring appliance publishes its description through springdoc or springfox at a handful of
usual places; each is tried below the target's base path and then below the host's root.
A description that needs a token is asked for again with one, when credentials are given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import yaml

from conformance.calibrate.description import DescriptionError, description_kind
from conformance.core.errors import TargetUnreachable, UsageError
from conformance.core.inputs import read_input
from conformance.core.settings import Settings
from conformance.http.sending import SendPolicy, policy_client
from conformance.http.session import ScvSession, appliance_client
from conformance.run.preflight import origin, transport_failure
from conformance.run.target import appliance_target

#: Where Spring appliances serve their description, most likely first.
LOCATIONS = (
    "v3/api-docs",
    "v2/api-docs",
    "swagger.json",
    "openapi.json",
    "v3/api-docs.yaml",
    "openapi.yaml",
    "swagger.yaml",
)
#: Seconds to connect: a target that does not answer is named soon.
CONNECT_SECONDS = 10.0


@dataclass(frozen=True)
class Description:
    """An API description and where it came from."""

    source: str
    kind: str
    document: dict[str, Any]


def candidate_urls(target: str) -> list[str]:
    """Every usual location below the target's path and its parents, e.g. ``/api`` and ``/``."""
    parts = urlsplit(target)
    prefixes = []
    path = parts.path.rstrip("/")
    while True:
        prefixes.append(path)
        if not path:
            break
        path = path.rsplit("/", 1)[0]
    return [
        urlunsplit((parts.scheme, parts.netloc, f"{prefix}/{location}", "", ""))
        for location in LOCATIONS
        for prefix in prefixes
    ]


def parse_description(raw: bytes, source: str) -> Description:
    """A description from JSON or YAML text; DescriptionError when it is not one."""
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError:
        raise DescriptionError("neither JSON nor YAML") from None
    kind = description_kind(document)
    return Description(source, kind, document)


def read_file(path: str) -> Description:
    """The description in a local file (``--api-docs FILE``); UsageError when unusable."""
    raw = read_input(path, "--api-docs")
    try:
        return parse_description(raw, str(path))
    except DescriptionError as exc:
        raise UsageError(f"--api-docs: {path} is {exc}") from None


def fetch_description(settings: Settings, url: str | None = None) -> Description:
    """The appliance's description, from ``url`` or the first usual location that has one.

    TargetUnreachable when nothing answers, or nothing serves a description.
    """
    if settings.target is None and url is None:
        raise UsageError("drift needs --target URL or --api-docs URL|FILE")
    urls = [url] if url else candidate_urls(str(settings.target))
    refused: list[str] = []
    on_appliance = bool(settings.target) and origin(urls[0]) == origin(str(settings.target))
    proxy = settings.proxy if on_appliance else None
    with _client(settings, on_appliance) as client:
        for candidate in urls:
            found = _try(client, candidate, {}, refused, proxy)
            if found is not None:
                return found
        if refused and settings.target and settings.username and settings.password:
            headers = {"Token": _token(settings)}
            for candidate in list(refused):
                found = _try(client, candidate, headers, [], proxy)
                if found is not None:
                    return found
    where = urls[0] if url else f"{settings.target} (tried {len(urls)} usual locations)"
    raise TargetUnreachable(
        f"no API description at {where}; give its address or a saved copy with --api-docs"
    )


def _try(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    refused: list[str],
    proxy: str | None,
) -> Description | None:
    try:
        response = client.get(url, headers=headers)
    except httpx.TransportError as exc:
        raise transport_failure(exc, origin(url), "", proxy) from None
    if response.status_code in (401, 403):
        refused.append(url)
        return None
    if response.status_code != 200:
        return None
    try:
        return parse_description(response.content, url)
    except DescriptionError:
        return None


def _client(settings: Settings, on_appliance: bool) -> httpx.Client:
    """The appliance's client (its headers and proxy) when the description is on the
    appliance, else a plain one, which sends no ``--header`` value elsewhere."""
    timeout = httpx.Timeout(settings.request_timeout, connect=CONNECT_SECONDS)
    policy = SendPolicy(deadline=settings.request_timeout)
    if on_appliance:
        return appliance_client(appliance_target(settings), timeout, policy)
    return policy_client("", settings.tls_verify, timeout, policy, name="the description's host")


def _token(settings: Settings) -> str:
    target = appliance_target(settings)
    with ScvSession(target, deadline=settings.request_timeout) as session:
        return session.token()
