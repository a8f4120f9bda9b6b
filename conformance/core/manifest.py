"""The run manifest: what the parent resolved, handed to the child pytest in one file.

The command (parent) resolves flags, environment and configuration file once, picks the
seed, opens the target and writes the outcome here, every path absolute. The child pytest
reads it from the file named by :data:`MANIFEST_VARIABLE` and never re-reads the settings.
Secrets stay out of the file: the appliance's password travels in
:data:`PASSWORD_VARIABLE`, the storage system's in its own variable
(``SCV_STORAGE_PASSWORD``), secret extra headers in :data:`SECRET_HEADERS_VARIABLE` and
URLs with credentials in :data:`CREDENTIALED_URLS_VARIABLE`, all in the child's
environment only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from conformance.core.errors import UsageError
from conformance.core.option_table import default
from conformance.core.selection import Selection
from conformance.http.redaction import url_credentials

#: Names the manifest file of a child pytest.
MANIFEST_VARIABLE = "SCV_CONFORMANCE_MANIFEST"
#: The file descriptor the child writes its progress events to (one JSON object a line).
PROGRESS_FD_VARIABLE = "SCV_CONFORMANCE_PROGRESS_FD"
#: The appliance's (and vCenter's) password, for the child only.
PASSWORD_VARIABLE = "SCV_CONFORMANCE_PASSWORD"
#: Extra headers with secret-looking names (JSON), for the child only.
SECRET_HEADERS_VARIABLE = "SCV_CONFORMANCE_SECRET_HEADERS"
#: The target's and the proxy's URL where they hold a user name and password (JSON), for
#: the child only; the manifest has them without.
CREDENTIALED_URLS_VARIABLE = "SCV_CONFORMANCE_URLS"
#: The folder of a run that holds its manifests.
MANIFEST_DIR = ".run"


@dataclass(frozen=True)
class Manifest:
    """A resolved run: target, gating, depth, seed, suites and where reports go."""

    target: str
    vcenter: str | None
    username: str
    tls_verify: bool | str
    release: str
    reported_version: str | None
    embedded: bool
    allow_destructive: bool
    seed: int
    profile: str
    max_examples: int | None
    job_timeout: float
    response_time_budget_ms: int
    run_dir: Path
    allure_dir: Path
    junit_path: Path
    suites: tuple[str, ...] = ()
    #: The pytest plugins (module names) of those suites.
    plugins: tuple[str, ...] = ()
    budgets: Mapping[str, int] = field(default_factory=dict)
    inventory: Mapping[str, str] = field(default_factory=dict)
    #: The workflows, operations and checks the run selects (``--only``, filters).
    selection: Selection = field(default_factory=Selection)
    #: Stop after this many failed or broken tests (``--max-failures``, ``-x``).
    max_failures: int | None = None
    #: This process's share of ``--rate-limit``, in requests per second.
    requests_per_second: float | None = None
    proxy: str | None = None
    #: Extra headers whose names do not look secret (the others travel in
    #: :data:`SECRET_HEADERS_VARIABLE`).
    headers: Mapping[str, str] = field(default_factory=dict)
    #: OpenAPI Overlay files applied to the contract, absolute paths, in order.
    overlays: tuple[str, ...] = ()
    #: Deviations from our assumptions fail the run (``--strict``, resolved).
    strict: bool = False
    #: Workflows (and fuzzed operations) in flight at once (``--concurrency``).
    concurrency: int = default("concurrency")
    #: Seconds a whole answer may take (see conformance.http.bounds).
    request_timeout: float = default("request_timeout")
    #: The run's id: names of what the workflows create carry it.
    run_id: str = ""
    #: What the preflight found out (conformance.core.findings), as JSON.
    preflight: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        for name in ("run_dir", "allure_dir", "junit_path"):
            if not Path(getattr(self, name)).is_absolute():
                raise ValueError(f"manifest {name} must be absolute: {getattr(self, name)}")
        if isinstance(self.tls_verify, str) and not Path(self.tls_verify).is_absolute():
            raise ValueError(f"manifest tls_verify must be absolute: {self.tls_verify}")

    def write(self, path: Path) -> Path:
        """Write the manifest to ``path`` (atomically); returns the path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        document = asdict(self)
        for name in ("run_dir", "allure_dir", "junit_path"):
            document[name] = str(document[name])
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        temporary.replace(path)
        return path

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """The manifest in ``path``; UsageError when it is missing or not one."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"run manifest {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise UsageError(f"run manifest {path} is not JSON: {exc}") from None
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or not set(data) <= known:
            raise UsageError(f"run manifest {path} is not a manifest of this version")
        values: dict[str, Any] = dict(data)
        for name in ("run_dir", "allure_dir", "junit_path"):
            values[name] = Path(values[name])
        for name in ("suites", "plugins", "overlays"):
            values[name] = tuple(values.get(name) or ())
        try:
            values["selection"] = Selection.from_dict(values.get("selection") or {})
            return cls(**values)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"run manifest {path}: {exc}") from None


def manifest_path(run_dir: Path, name: str = "manifest") -> Path:
    """Where a run keeps the manifest called ``name``."""
    return run_dir / MANIFEST_DIR / f"{name}.json"


def child_variables(
    path: Path,
    password: str,
    secret_headers: Mapping[str, str] | None = None,
    urls: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """The environment a child pytest needs besides its own: the manifest and the secrets.

    ``urls``: the run's URLs by name (``target``, ``proxy``); those with credentials are
    passed here, the manifest holds them without.
    """
    variables = {MANIFEST_VARIABLE: str(path), PASSWORD_VARIABLE: password}
    if secret_headers:
        variables[SECRET_HEADERS_VARIABLE] = json.dumps(dict(secret_headers))
    credentialed = {name: url for name, url in (urls or {}).items() if url_credentials(url)}
    if credentialed:
        variables[CREDENTIALED_URLS_VARIABLE] = json.dumps(credentialed)
    return variables


def credentialed_urls(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The URLs with credentials the parent passed in the environment, by name."""
    return _json_table(CREDENTIALED_URLS_VARIABLE, environ)


def secret_headers(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The secret extra headers the parent passed in the environment."""
    return _json_table(SECRET_HEADERS_VARIABLE, environ)


def _json_table(variable: str, environ: Mapping[str, str] | None) -> dict[str, str]:
    environ = os.environ if environ is None else environ
    try:
        value = json.loads(environ.get(variable) or "{}")
    except ValueError:
        raise UsageError(f"{variable} is not JSON") from None
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def from_environment(environ: Mapping[str, str] | None = None) -> tuple[Manifest, str]:
    """The manifest named by the environment, and the password passed beside it."""
    environ = os.environ if environ is None else environ
    path = environ.get(MANIFEST_VARIABLE)
    if not path:
        raise UsageError(
            f"{MANIFEST_VARIABLE} is not set: the suites run under `scv-conformance`, "
            "which writes the run manifest"
        )
    return Manifest.read(Path(path)), environ.get(PASSWORD_VARIABLE, "")
