"""The preflight: before any suite runs, make sure the target can be judged at all, and
find out how it spells what the vendor's pages spell two ways.

In order, each ending the run within seconds with one line and exit code 3 when it fails:

1. reachability and TLS: ``GET /v3/api-docs`` (springdoc), which also gives the version
   the appliance reports and the operations it describes (a certificate that cannot be
   verified names ``--tls-verify``);
2. SCV login (``POST /4.1/auth/login``): credentials refused, or an answer no SCV appliance
   gives (a plain web server's 404 page, a Spring error body);
3. vCenter login (``POST /api/session``, basic auth), when a vCenter is given.

Then discovery, with GETs only, never failing the run: which datastore snapshot-location
path the appliance serves (both alternatives asked about one backup of a datastore backup
list, else what its API description lists) and how it spells the ESX host list (an
ESX-host call's answer). Datastores and VMs to ask about come from the inventory, the
resource groups' entities and vCenter's lists. The GETs discovery will certainly send go
out side by side, up to ``--concurrency`` at once, and are answered from what came back:
what it finds and notes is the same as one at a time.
"""

from __future__ import annotations

import contextlib
import re
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from conformance.contract.matching import base_path
from conformance.contract.spec import HTTP_METHODS, Contract
from conformance.core.errors import InfrastructureError, PreflightFailed, TargetUnreachable
from conformance.core.findings import BOTH, ESX_HOSTS_KEYS, SNAPSHOT_PATHS, Findings, path_segment
from conformance.http.bounds import Breaker
from conformance.http.redaction import public_url
from conformance.http.sending import SendPolicy, login_token, policy_client
from conformance.http.session import LOGIN_PATH, Target, appliance_client

DESCRIPTION_PATH = "/v3/api-docs"
VCENTER_SESSION_PATH = "/api/session"
VCENTER_SESSION_HEADER = "vmware-api-session-id"
#: Every call of the preflight: a refused or missing answer comes in well under 10 s.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
#: Seconds a whole answer may take, however slowly it trickles in.
DEADLINE_SECONDS = 10.0
#: Datastores or VMs asked about before giving up on a discovery.
MAX_CANDIDATES = 3

# The checks, as `summary.json` names the one that failed.
TLS = "tls"
LOGIN = "login"
NOT_SCV = "not-scv"
VCENTER = "vcenter"

_TEMPLATE = re.compile(r"\{[^}]*\}")
_MOREF = {"datastore": re.compile(r"datastore-\d+"), "vm": re.compile(r"vm-\d+")}


def run_preflight(
    target: Target,
    contract: Contract,
    inventory: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
    concurrency: int = 1,
) -> Findings:
    """Check the target and discover its variant; PreflightFailed/TargetUnreachable if
    unusable. ``concurrency``: discovery's GETs in flight at once."""
    started = clock()
    with appliance_client(target, TIMEOUT, _policy()) as client:
        preflight = _Preflight(client, target, contract, dict(inventory or {}), concurrency)
        findings = preflight.run()
    return Findings(**{**findings, "seconds": clock() - started})


def _policy() -> SendPolicy:
    """The preflight's bounds: a deadline of its own, and a breaker of its own (what
    discovery meets is not the suites' business)."""
    return SendPolicy(deadline=DEADLINE_SECONDS, breaker=Breaker())


class _Preflight:
    """One preflight against one target: its client, token and notes."""

    def __init__(
        self,
        client: httpx.Client,
        target: Target,
        contract: Contract,
        inventory: dict[str, str],
        concurrency: int = 1,
    ) -> None:
        self.client = client
        self.concurrency = max(1, concurrency)
        #: discovery's answers, by (client, path, query): sent ahead, read when asked for
        self.answers: dict[tuple[str, str, tuple[tuple[str, str], ...]], Any] = {}
        self.target = target
        self.contract = contract
        self.inventory = inventory
        self.token = ""
        self.vcenter: httpx.Client | None = None
        self.vcenter_session = ""
        self.notes: list[str] = []
        self.morefs: dict[str, list[str]] = {}
        self.groups: list[Any] | None = None

    def run(self) -> dict[str, Any]:
        description = self._description()
        self._login()
        if description is None:
            description = self._description(authenticated=True)
        info = description.get("info") if description else None
        info = info if isinstance(info, dict) else {}
        version = None if info.get("version") is None else str(info["version"])
        if description is None:
            self.notes.append(
                f"The appliance serves no API description at {DESCRIPTION_PATH}: "
                "its version is not known"
            )
        try:
            vcenter_ok = self._vcenter_login() if self.target.vcenter_url else None
            described = described_operations(description, urlsplit(self.target.base_url).path)
            self._ahead(self._moref_sources("datastore") + self._moref_sources("vm"))
            datastores = self._morefs("datastore")[:1]
            self._ahead(
                (self._get, self._path(operation_id, moref=moref) or "", {})
                for operation_id in ("getDatastoreBackups", "getDatastoreAvailableEsxHosts")
                for moref in datastores
            )
            snapshot_path = self._snapshot_path(described)
            spelling = self._esx_hosts_spelling()
        finally:
            if self.vcenter is not None:
                self._vcenter_logout()
                self.vcenter.close()
        return {
            "version": version,
            "title": None if info.get("title") is None else str(info["title"]),
            "snapshot_path": snapshot_path,
            "esx_hosts_spelling": spelling,
            "vcenter_ok": vcenter_ok,
            "notes": tuple(self.notes),
            "described_operations": described,
        }

    # -- the checks -------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise transport_failure(exc, self.target.base_url, "", self.target.proxy) from None

    def _description(self, authenticated: bool = False) -> dict[str, Any] | None:
        headers = {"Token": self.token} if authenticated and self.token else {}
        answer = self._send("GET", DESCRIPTION_PATH, headers=headers)
        if answer.status_code != 200:
            return None
        try:
            document = answer.json()
        except ValueError:
            return None
        if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
            return None
        if "openapi" not in document and "swagger" not in document:
            return None
        return document

    def _login(self) -> None:
        self.token = log_in(self._send, self.target)

    def _vcenter_login(self) -> bool:
        url = str(self.target.vcenter_url).rstrip("/")
        self.vcenter = policy_client(url, self.target.verify, TIMEOUT, _policy())
        try:
            answer = self.vcenter.request(
                "POST",
                VCENTER_SESSION_PATH,
                auth=(self.target.username, self.target.password),
            )
        except httpx.TransportError as exc:
            raise transport_failure(exc, url, "vCenter ") from None
        if answer.status_code in (401, 403):
            raise PreflightFailed(
                VCENTER,
                f"vCenter login at {url}{VCENTER_SESSION_PATH} refused (HTTP "
                f"{answer.status_code}): check the user name and password (SCV and vCenter "
                "take the same vCenter account)",
            )
        session = _json(answer)
        if answer.status_code not in (200, 201) or not isinstance(session, str):
            raise PreflightFailed(
                VCENTER,
                f"{url} is not a vCenter REST API: POST {VCENTER_SESSION_PATH} answered HTTP "
                f"{answer.status_code} with {describe_answer(answer, session)}; check --vcenter",
            )
        self.vcenter_session = session
        self.notes.append(f"vCenter login at {url} works")
        return True

    def _vcenter_logout(self) -> None:
        """Close the preflight's vCenter session (a logout, as the guard allows)."""
        if self.vcenter is None or not self.vcenter_session:
            return
        # if it fails, the session expires on its own
        with contextlib.suppress(httpx.TransportError, TargetUnreachable):
            self.vcenter.request(
                "DELETE",
                VCENTER_SESSION_PATH,
                headers={VCENTER_SESSION_HEADER: self.vcenter_session},
            )
        self.vcenter_session = ""

    # -- discovery (GETs only) --------------------------------------------------------------

    def _get(self, path: str) -> httpx.Response | None:
        """An authenticated GET; None when it got no answer (discovery never fails a run)."""
        key = ("scv", path, ())
        if key not in self.answers:
            try:
                self.answers[key] = self.client.get(path, headers={"Token": self.token})
            except (httpx.TransportError, TargetUnreachable):
                self.answers[key] = None
        answer: httpx.Response | None = self.answers[key]
        return answer

    def _vcenter_get(self, path: str, **params: str) -> Any:
        if self.vcenter is None or not self.vcenter_session:
            return None
        key = ("vcenter", path, tuple(sorted(params.items())))
        if key not in self.answers:
            try:
                answer = self.vcenter.get(
                    path,
                    params=params or None,
                    headers={VCENTER_SESSION_HEADER: self.vcenter_session},
                )
            except (httpx.TransportError, TargetUnreachable):
                answer = None
            ok = answer is not None and answer.status_code == 200
            self.answers[key] = _json(answer) if answer is not None and ok else None
        return self.answers[key]

    def _ahead(self, gets: Iterable[tuple[Callable[..., Any], str, dict[str, str]]]) -> None:
        """Send these GETs (``_get`` or ``_vcenter_get``, path, query) side by side now;
        asking for one later reads the answer that came back."""
        calls = list(
            {
                (get, path, tuple(query.items())): (get, path, query)
                for get, path, query in gets
                if path
            }.values()
        )
        if self.concurrency == 1 or len(calls) < 2:
            return  # asked for one at a time, when discovery needs them
        with ThreadPoolExecutor(min(self.concurrency, len(calls))) as pool:
            for done in [pool.submit(get, path, **query) for get, path, query in calls]:
                done.result()

    def _moref_sources(self, kind: str) -> list[tuple[Callable[..., Any], str, dict[str, str]]]:
        """The GETs :meth:`_find_morefs` sends for ``kind``."""
        named = self.inventory.get(kind)
        sources: list[tuple[Callable[..., Any], str, dict[str, str]]] = []
        if named and not _MOREF[kind].fullmatch(named):
            sources.append((self._vcenter_get, f"/api/vcenter/{kind}", {"names": named}))
        sources.append((self._get, self._path("getResourceGroups") or "", {}))
        sources.append((self._vcenter_get, f"/api/vcenter/{kind}", {}))
        return sources

    def _path(self, operation_id: str, **values: str) -> str | None:
        try:
            template = self.contract.operation(operation_id).path
        except KeyError:
            return None
        for name, value in values.items():
            template = template.replace("{" + name + "}", quote(value, safe=""))
        return template

    def _morefs(self, kind: str) -> list[str]:
        """Datastore or VM morefs to ask about: inventory, resource groups, vCenter."""
        if kind not in self.morefs:
            self.morefs[kind] = self._find_morefs(kind)
        return self.morefs[kind]

    def _find_morefs(self, kind: str) -> list[str]:
        pattern = _MOREF[kind]
        named = self.inventory.get(kind)
        candidates: list[Any] = []
        if named and pattern.fullmatch(named):
            candidates.append(named)
        elif named:
            found = self._vcenter_get(f"/api/vcenter/{kind}", names=named) or []
            candidates += [item.get(kind) for item in found if isinstance(item, dict)]
        if self.groups is None:
            path = self._path("getResourceGroups")
            answer = self._get(path) if path else None
            ok = answer is not None and answer.status_code == 200
            body = _json(answer) if answer is not None and ok else None
            self.groups = list(_values_named(body, "entities"))
        candidates += self.groups
        listed = self._vcenter_get(f"/api/vcenter/{kind}") or []
        candidates += [item.get(kind) for item in listed if isinstance(item, dict)]
        found_morefs: list[str] = []
        for value in candidates:
            if isinstance(value, str) and pattern.fullmatch(value) and value not in found_morefs:
                found_morefs.append(value)
        return found_morefs[:MAX_CANDIDATES]

    def _snapshot_path(self, described: Mapping[str, str | None]) -> str | None:
        alternatives = [
            op
            for op in self.contract.operations
            if op.alternative_of is not None and op.method == "get"
        ]
        listed = _described_segments(alternatives, described)
        probed = self._probe_snapshot_paths(alternatives)
        if probed is not None:
            served, statuses, where = probed
            answers = "; ".join(
                f"{segment} answered {status}"
                for segment, status in statuses.items()
                if segment not in served
            )
            self.notes.append(
                f"The appliance serves {' and '.join(served)}"
                f"{'; ' + answers if answers else ''} ({where})"
            )
            if listed and listed != served:
                self.notes.append(
                    f"Its API description lists {' and '.join(listed)}, yet it answers "
                    f"{' and '.join(served)}"
                )
            return served[0] if len(served) == 1 else BOTH
        if listed:
            self.notes.append(
                f"The appliance's API description lists {' and '.join(listed)}"
                f"{' only' if len(listed) == 1 else ''} (no datastore backup to confirm it with)"
            )
            return listed[0] if len(listed) == 1 else BOTH
        self.notes.append(
            "Which datastore snapshot path the appliance serves was not found out (no "
            "datastore backup to ask about, no API description): both are checked"
        )
        return None

    def _probe_snapshot_paths(
        self, alternatives: list[Any]
    ) -> tuple[list[str], dict[str, int], str] | None:
        """Ask both paths about one datastore backup: (served, statuses, where) or None."""
        for moref in self._morefs("datastore"):
            path = self._path("getDatastoreBackups", moref=moref)
            answer = self._get(path) if path else None
            if answer is None or answer.status_code != 200:
                continue
            backup_ids = list(_values_named(_json(answer), "backupId"))
            if not backup_ids:
                continue
            backup = str(backup_ids[0])
            statuses: dict[str, int] = {}
            self._ahead(
                (self._get, op.path.replace("{backupId}", quote(backup, safe="")), {})
                for op in alternatives
            )
            for operation in alternatives:
                probe = self._get(operation.path.replace("{backupId}", quote(backup, safe="")))
                if probe is not None:
                    statuses[path_segment(operation)] = probe.status_code
            served = [s for s in SNAPSHOT_PATHS if statuses.get(s) == 200]
            if served:
                return served, statuses, f"asked about backup {backup} of {moref}"
        return None

    def _esx_hosts_spelling(self) -> str | None:
        asks = [("getDatastoreAvailableEsxHosts", m) for m in self._morefs("datastore")]
        asks += [("getVmAvailableEsxHosts", m) for m in self._morefs("vm")]
        for operation_id, moref in asks:
            path = self._path(operation_id, moref=moref)
            answer = self._get(path) if path else None
            if answer is None or answer.status_code != 200:
                continue
            response = _dig(_json(answer), "response")
            keys = set(response) if isinstance(response, dict) else set()
            spellings = [s for s, key in ESX_HOSTS_KEYS.items() if key in keys]
            if len(spellings) == 1:
                spelling = spellings[0]
                source = "English pages" if spelling == "english" else "Italian translation"
                self.notes.append(
                    f"The appliance answers ESX host lists as {ESX_HOSTS_KEYS[spelling]}, "
                    f"the spelling of the vendor's {source} (GET {path})"
                )
                return spelling
        self.notes.append(
            "How the appliance spells the ESX host list was not found out (no ESX-host call "
            "answered one): both spellings are accepted, the workflows read "
            f"{ESX_HOSTS_KEYS['english']}"
        )
        return None


def log_in(send: Callable[..., httpx.Response], target: Target) -> str:
    """Log in to ``target`` with ``send`` (``send(method, path, **kwargs)``) and return the
    token; PreflightFailed when the credentials are refused (exit 3: the appliance refuses
    them, as its preflight says) or the answer is not an SCV appliance's."""
    body = {"username": target.username, "password": target.password}
    answer = send("POST", LOGIN_PATH, json=body)
    where = f"{target.base_url}{LOGIN_PATH}"
    if answer.status_code in (401, 403):
        raise PreflightFailed(
            LOGIN,
            f"SCV login at {where} refused (HTTP {answer.status_code}): check the user "
            "name and password (--username/--password, SCV_USERNAME/SCV_PASSWORD or the "
            "config file)",
        )
    payload = _json(answer)
    token = login_token(answer.status_code, answer.content)
    if token is not None:
        return token
    if answer.status_code >= 500 and _is_envelope(payload):
        raise PreflightFailed(LOGIN, f"SCV login at {where} failed with HTTP {answer.status_code}")
    raise PreflightFailed(
        NOT_SCV,
        f"{target.base_url} is not an SCV appliance: POST {LOGIN_PATH} answered "
        f"HTTP {answer.status_code} with {describe_answer(answer, payload)}; is --target "
        "the appliance's REST address (https://HOST:8144)? A gateway that serves the "
        "API at its root: --api-path /",
    )


def transport_failure(
    exc: httpx.TransportError, url: str, what: str, proxy: str | None = None
) -> InfrastructureError:
    """The error a failed connection ends the run with: TLS, or unreachable (``proxy``:
    the one it was sent through)."""
    where = origin(url)
    failure = _ssl_error(exc)
    if isinstance(failure, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        reason = getattr(failure, "verify_message", None) or "certificate verify failed"
        return PreflightFailed(
            TLS,
            f"TLS: the certificate of {what}{where} could not be verified ({reason}); give the "
            "CA that signed it with --tls-verify /path/to/ca.pem, or --tls-verify false to "
            "accept any certificate",
        )
    if failure is not None:
        return PreflightFailed(
            TLS,
            f"TLS: the handshake with {what}{where} failed ({failure.reason or failure}); "
            "check the URL's scheme and port, and --tls-verify",
        )
    through = f" through the proxy {public_url(proxy)}" if proxy else ""
    return TargetUnreachable(f"{what}{url} unreachable{through}: {type(exc).__name__}: {exc}")


def described_operations(
    document: Mapping[str, Any] | None, strip_base: str
) -> dict[str, str | None]:
    """``"GET /4.1/jobs"`` -> operationId for every operation a description lists.

    Paths are the description's base (``servers[0]`` or ``basePath``) plus its own, made
    relative to ``strip_base`` (the target's path, ``/api``) where they are below it.
    """
    if not document:
        return {}
    base = base_path(document)
    strip_base = strip_base.rstrip("/")
    found: dict[str, str | None] = {}
    for raw, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        full = (base + "/" + str(raw).lstrip("/")).rstrip("/") or "/"
        if strip_base and (full == strip_base or full.startswith(strip_base + "/")):
            full = full[len(strip_base) :] or "/"
        for method in HTTP_METHODS:
            definition = item.get(method)
            if isinstance(definition, dict):
                operation_id = definition.get("operationId")
                found[f"{method.upper()} {full}"] = (
                    None if operation_id is None else str(operation_id)
                )
    return dict(sorted(found.items()))


def describe_answer(answer: httpx.Response, payload: Any) -> str:
    """What an answer is, in a few words: an HTML page, a Spring error body, ..."""
    content_type = answer.headers.get("content-type", "").split(";")[0].strip()
    if isinstance(payload, dict) and {"timestamp", "status", "error"} <= set(payload):
        return f"a Spring error body ({payload.get('error')})"
    if "html" in content_type:
        return "an HTML page"
    if not answer.content:
        return "no body"
    return f"a {content_type or 'untyped'} body"


def _described_segments(alternatives: list[Any], described: Mapping[str, str | None]) -> list[str]:
    keys = {_template_key(key) for key in described}
    listed = {
        path_segment(op)
        for op in alternatives
        if _template_key(f"{op.method.upper()} {op.path}") in keys
    }
    return [segment for segment in SNAPSHOT_PATHS if segment in listed]


def _template_key(key: str) -> str:
    return _TEMPLATE.sub("{}", key)


def _ssl_error(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``, without a user name or password."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _json(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _is_envelope(payload: Any) -> bool:
    return isinstance(payload, dict) and bool({"statusCode", "statusMessage"} & set(payload))


def _values_named(body: Any, name: str) -> Iterator[Any]:
    """Every value under a key called ``name`` anywhere in ``body``; lists are unpacked."""
    if isinstance(body, dict):
        for key, value in body.items():
            if key == name:
                yield from value if isinstance(value, list) else [value]
            else:
                yield from _values_named(value, name)
    elif isinstance(body, list):
        for item in body:
            yield from _values_named(item, name)
