"""The run context: the resolved target, the contract and what may run against it.

A command resolves its settings and opens a context (starting the embedded emulator when
no target is given). The suites run in a child pytest, possibly in xdist workers: the
parent writes the context down as a run manifest (:meth:`RunContext.manifest`) and the
child rebuilds it from there (:func:`from_manifest`), without reading the settings again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance.contract.spec import Contract, Operation, load_contract
from conformance.core.findings import Findings
from conformance.core.manifest import Manifest, credentialed_urls, secret_headers
from conformance.core.option_table import OPTIONS, Manifested
from conformance.core.selection import Selection
from conformance.core.settings import Settings
from conformance.core.skips import Skip, SkipKind
from conformance.http.guard import RequestGuard
from conformance.http.redaction import is_secret_header, public_url
from conformance.http.session import ScvSession, Target

#: The options the run manifest holds as they are (the child's settings read them back).
AS_IS = tuple(o for o in OPTIONS if o.manifest is Manifested.AS_IS)


@dataclass
class RunContext:
    """What every suite needs: settings, target, contract and release gating."""

    settings: Settings
    target: Target
    contract: Contract
    release: str
    reported_version: str | None
    #: What the preflight found out (None in a context made without one).
    findings: Findings | None = None
    _emulator: object | None = field(default=None, repr=False)
    _guard: RequestGuard | None = field(default=None, repr=False)

    @property
    def destructive_allowed(self) -> bool:
        """State-changing calls run against the embedded emulator or when allowed."""
        return self.target.embedded or self.settings.allow_destructive

    @property
    def destructive_on_appliance(self) -> bool:
        """State-changing calls run against an appliance of its own, which nobody but this
        run starts and stops (not the embedded emulator): what the hold and custody keep."""
        return self.destructive_allowed and not self.target.embedded

    @property
    def strict(self) -> bool:
        """Deviations fail the run: ``--strict``, by default only against the embedded
        emulator, whose specification our assumptions are."""
        if self.settings.strict is not None:
            return self.settings.strict
        return self.target.embedded

    def version_skip(self, operation: Operation) -> Skip | None:
        """A skip when ``operation`` is newer than the target's release."""
        if operation.available_in(self.release):
            return None
        return Skip(
            SkipKind.VERSION,
            f"{operation.operation_id} ships with SCV {operation.since}; "
            f"the target runs {self.release}",
        )

    def safety_skip(self, operation: Operation) -> Skip | None:
        """A skip when ``operation`` changes state and that is not allowed here."""
        if not operation.mutates:
            return None
        if operation.unconfined and not self.target.embedded:
            return Skip(
                SkipKind.SAFETY,
                f"{operation.operation_id}: {operation.unconfined} So fuzzing leaves it out "
                f"against {self.target.base_url}, --allow-destructive or not; a workflow "
                "that reads first and puts back calls it",
            )
        if self.destructive_allowed:
            return None
        return Skip(
            SkipKind.SAFETY,
            f"{operation.operation_id} changes appliance state; left out against "
            f"{self.target.base_url} without --allow-destructive",
        )

    def skip(self, operation: Operation) -> Skip | None:
        """Why ``operation`` must not run against this target, or None."""
        unserved = self.findings.unserved_skip(operation) if self.findings else None
        return self.version_skip(operation) or self.safety_skip(operation) or unserved

    def manifest(
        self,
        *,
        profile: str,
        run_dir: Path,
        junit_path: Path,
        suites: Sequence[str] = (),
        plugins: Sequence[str] = (),
        selection: Selection | None = None,
        max_failures: int | None = None,
        processes: int = 1,
    ) -> Manifest:
        """This context written down for a child pytest; the seed must be settled.

        ``processes``: how many pytest processes share the run's rate limit.
        """
        settings, target = self.settings, self.target
        if settings.seed is None:
            raise ValueError("the run's seed is picked before the manifest is written")
        return Manifest(
            **{o.name: getattr(settings, o.name) for o in AS_IS},
            target=public_url(target.base_url) or "",
            vcenter=target.vcenter_url,
            username=target.username,
            tls_verify=target.verify,
            release=self.release,
            reported_version=self.reported_version,
            embedded=target.embedded,
            profile=profile,
            run_id=settings.run_id or "",
            run_dir=run_dir.absolute(),
            allure_dir=(run_dir / "allure-results").absolute(),
            junit_path=junit_path.absolute(),
            suites=tuple(suites),
            plugins=tuple(plugins),
            budgets=dict(settings.budgets),
            inventory=dict(settings.inventory),
            selection=selection or Selection(),
            max_failures=max_failures,
            requests_per_second=(
                settings.requests_per_second / max(1, processes)
                if settings.requests_per_second
                else None
            ),
            proxy=public_url(settings.proxy),
            headers={k: v for k, v in settings.headers.items() if not is_secret_header(k)},
            overlays=tuple(str(path) for path in settings.overlays),
            strict=self.strict,
            preflight=self.findings.as_json() if self.findings else None,
        )

    @property
    def guard(self) -> RequestGuard:
        """What every client of this run may send: only GETs and logins when read-only."""
        if self._guard is None:
            self._guard = RequestGuard(read_only=not self.destructive_allowed)
        return self._guard

    @property
    def secret_headers(self) -> dict[str, str]:
        """The extra headers that must not be written into the manifest."""
        return {k: v for k, v in self.target.headers.items() if is_secret_header(k)}

    @property
    def urls(self) -> dict[str, str | None]:
        """The run's URLs by name, as the child gets them (credentials included)."""
        return {"target": self.target.base_url, "proxy": self.target.proxy}

    def session(self, **kwargs: object) -> ScvSession:
        kwargs.setdefault("guard", self.guard)
        kwargs.setdefault("deadline", self.settings.request_timeout)
        return ScvSession(self.target, **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        if self._emulator is not None:
            self._emulator.__exit__(None, None, None)  # type: ignore[attr-defined]
            self._emulator = None

    def __enter__(self) -> RunContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def from_manifest(manifest: Manifest, password: str) -> RunContext:
    """The context of a child pytest: the parent's, as its manifest recorded it."""
    urls = credentialed_urls()
    target_url = urls.get("target", manifest.target)
    proxy = urls.get("proxy", manifest.proxy)
    settings = Settings(
        **{o.name: getattr(manifest, o.name) for o in AS_IS},
        target=target_url,
        vcenter=manifest.vcenter,
        username=manifest.username,
        password=password,
        tls_verify=manifest.tls_verify,
        appliance_version=manifest.release,
        report_dir=manifest.run_dir.parent,
        budgets=dict(manifest.budgets),
        inventory=dict(manifest.inventory),
        proxy=proxy,
        headers={**manifest.headers, **secret_headers()},
        overlays=tuple(Path(path) for path in manifest.overlays),
        strict=manifest.strict,
        run_id=manifest.run_id or None,
    )
    target = Target(
        base_url=target_url,
        username=manifest.username,
        password=password,
        verify=manifest.tls_verify,
        vcenter_url=manifest.vcenter,
        embedded=manifest.embedded,
        headers=settings.headers,
        proxy=proxy,
    )
    return RunContext(
        settings=settings,
        target=target,
        contract=load_contract(overlays=settings.overlays),
        release=manifest.release,
        reported_version=manifest.reported_version,
        findings=Findings.from_json(manifest.preflight) if manifest.preflight else None,
    )
