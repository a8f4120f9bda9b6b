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

from conformance.core.contract import Contract, Operation, load_contract
from conformance.core.manifest import Manifest
from conformance.core.session import ScvSession, Target
from conformance.core.settings import Settings
from conformance.core.skips import Skip, SkipKind


@dataclass
class RunContext:
    """What every suite needs: settings, target, contract and release gating."""

    settings: Settings
    target: Target
    contract: Contract
    release: str
    reported_version: str | None
    _emulator: object | None = field(default=None, repr=False)

    @property
    def destructive_allowed(self) -> bool:
        """State-changing calls run against the embedded emulator or when allowed."""
        return self.target.embedded or self.settings.allow_destructive

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
        if not operation.mutates or self.destructive_allowed:
            return None
        return Skip(
            SkipKind.SAFETY,
            f"{operation.operation_id} changes appliance state; left out against "
            f"{self.target.base_url} without --allow-destructive",
        )

    def skip(self, operation: Operation) -> Skip | None:
        """Why ``operation`` must not run against this target, or None."""
        return self.version_skip(operation) or self.safety_skip(operation)

    def manifest(
        self,
        *,
        profile: str,
        run_dir: Path,
        junit_path: Path,
        suites: Sequence[str] = (),
        plugins: Sequence[str] = (),
        workflow: str | None = None,
    ) -> Manifest:
        """This context written down for a child pytest; the seed must be settled."""
        settings, target = self.settings, self.target
        if settings.seed is None:
            raise ValueError("the run's seed is picked before the manifest is written")
        return Manifest(
            target=target.base_url,
            vcenter=target.vcenter_url,
            username=target.username,
            tls_verify=target.verify,
            release=self.release,
            reported_version=self.reported_version,
            embedded=target.embedded,
            allow_destructive=settings.allow_destructive,
            seed=settings.seed,
            profile=profile,
            max_examples=settings.max_examples,
            job_timeout=settings.job_timeout,
            response_time_budget_ms=settings.response_time_budget_ms,
            run_dir=run_dir.absolute(),
            allure_dir=(run_dir / "allure-results").absolute(),
            junit_path=junit_path.absolute(),
            suites=tuple(suites),
            plugins=tuple(plugins),
            workflow=workflow,
            budgets=dict(settings.budgets),
            inventory=dict(settings.inventory),
            overlays=tuple(str(path) for path in settings.overlays),
            concurrency=settings.concurrency,
        )

    def session(self, **kwargs: object) -> ScvSession:
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
    settings = Settings(
        target=manifest.target,
        vcenter=manifest.vcenter,
        username=manifest.username,
        password=password,
        tls_verify=manifest.tls_verify,
        appliance_version=manifest.release,
        allow_destructive=manifest.allow_destructive,
        seed=manifest.seed,
        max_examples=manifest.max_examples,
        report_dir=manifest.run_dir.parent,
        job_timeout=manifest.job_timeout,
        response_time_budget_ms=manifest.response_time_budget_ms,
        budgets=dict(manifest.budgets),
        inventory=dict(manifest.inventory),
        overlays=tuple(Path(path) for path in manifest.overlays),
        concurrency=manifest.concurrency,
    )
    target = Target(
        base_url=manifest.target,
        username=manifest.username,
        password=password,
        verify=manifest.tls_verify,
        vcenter_url=manifest.vcenter,
        embedded=manifest.embedded,
    )
    return RunContext(
        settings=settings,
        target=target,
        contract=load_contract(overlays=settings.overlays),
        release=manifest.release,
        reported_version=manifest.reported_version,
    )
