"""`scv-conformance drift`: the appliance's own API description against the contract.

Fetches the description the appliance serves (or reads the one given with ``--api-docs``),
compares it with the contract (with any ``--overlay``) and prints the differences as
Markdown, breaking ones first; ``--out DIR`` also writes ``drift.md`` and ``drift.json``.
Exit 1 on a breaking difference, 0 otherwise, 3 when no description can be had.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.calibrate.compare import BREAKING, Difference, compare
from conformance.calibrate.description import ApiModel, DescriptionError, build_model
from conformance.calibrate.fetch import Description, fetch_description, read_file
from conformance.calibrate.settled import settle
from conformance.contract.spec import Contract, load_contract, release_key
from conformance.core.errors import ExitCode, TargetUnreachable, UsageError
from conformance.core.settings import Settings
from conformance.http import process
from conformance.reporting.atomic import write_json, write_text
from conformance.scenarios import loader

CONTRACT_BASE = "/api"
#: The first release with the REST API.
FIRST_RELEASE = "4.1"
_URL = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class DriftReport:
    """The comparison of one appliance description with the contract."""

    target: str | None
    description: Description
    appliance_version: str | None
    contract: Contract
    compared: int
    left_out: list[str]
    differences: list[Difference]
    #: Overlay actions that select nothing, in the contract or in any scenario document.
    unmatched_targets: list[str] = field(default_factory=list)

    @property
    def breaking(self) -> list[Difference]:
        return [d for d in self.differences if d.severity == BREAKING]

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "appliance_version": self.appliance_version,
            "description": {"source": self.description.source, "format": self.description.kind},
            "contract": {
                "path": self.contract.path.name,
                "version": self.contract.version,
                "sha256": self.contract.sha256,
                "overlays": [str(p) for p in self.contract.overlays],
                "unmatched_targets": self.unmatched_targets,
            },
            "operations_compared": self.compared,
            "left_out_as_newer": self.left_out,
            "breaking": len(self.breaking),
            "non_breaking": len(self.differences) - len(self.breaking),
            "differences": [d.as_dict() for d in self.differences],
        }


def run_drift(settings: Settings, api_docs: str | None, out: str | None) -> int:
    """The ``drift`` command; returns its exit code."""
    process.PACER.configure(settings.requests_per_second)
    contract = load_contract(overlays=settings.overlays)
    if api_docs and not _URL.match(api_docs):
        description = read_file(api_docs)
    else:
        description = fetch_description(settings, api_docs)
    try:
        report = drift(contract, description, settings.target)
    except DescriptionError as exc:
        raise TargetUnreachable(f"{description.source} is {exc}") from None
    text = render(report)
    print(text, end="")
    if out:
        folder = Path(out)
        try:
            write_text(folder / "drift.md", text)
            write_json(folder / "drift.json", report.as_dict())
        except OSError as exc:
            raise UsageError(f"--out: cannot write to {folder}: {exc.strerror}") from None
    return int(ExitCode.FAILURES if report.breaking else ExitCode.CONFORMANT)


def drift(contract: Contract, description: Description, target: str | None) -> DriftReport:
    """Compare ``description`` with ``contract``; the contract's operations newer than the
    release the description states are left out, as that appliance cannot have them."""
    theirs = build_model(description.document, CONTRACT_BASE)
    release = _release(theirs.version)
    ours_all = build_model(contract.document, CONTRACT_BASE)
    newer = {
        (op.method.upper(), op.path): op.operation_id
        for op in contract.operations
        if release is not None and not op.available_in(release)
    }
    kept = {key: op for key, op in ours_all.operations.items() if (op.method, op.path) not in newer}
    ours = ApiModel(ours_all.kind, ours_all.version, kept)
    return DriftReport(
        target=target,
        description=description,
        appliance_version=theirs.version,
        contract=contract,
        compared=len(kept),
        left_out=sorted(newer.values()),
        differences=settle(contract, compare(ours, theirs), release),
        unmatched_targets=[
            *contract.unmatched_targets,
            *loader.unmatched_targets(contract.overlays),
        ],
    )


def render(report: DriftReport) -> str:
    """The report as Markdown."""
    breaking = report.breaking
    others = [d for d in report.differences if d.severity != BREAKING]
    overlays = "".join(f" + overlay {p.name}" for p in report.contract.overlays)
    lines = [
        "# API drift: the appliance's description against the contract",
        "",
        f"- appliance: {report.target or '(not contacted)'}"
        f" (its description says version {report.appliance_version or 'unknown'})",
        f"- its description: {report.description.source} ({report.description.kind})",
        f"- contract: {report.contract.path.name} {report.contract.version}"
        f" (sha256 {report.contract.sha256[:12]}){overlays}",
        f"- operations compared: {report.compared}",
    ]
    for unmatched in report.unmatched_targets:
        lines.append(f"- overlay action that selected nothing: {unmatched}")
    if report.left_out:
        lines.append(
            f"- left out as newer than {report.appliance_version}: {', '.join(report.left_out)}"
        )
    lines += [
        "",
        f"**{len(breaking)} breaking, {len(others)} non-breaking "
        f"difference{'s' if len(report.differences) != 1 else ''}.**",
        "",
    ]
    if not report.differences:
        lines += ["The appliance describes every compared operation as the contract does.", ""]
    for title, group in (("Breaking", breaking), ("Non-breaking", others)):
        if not group:
            continue
        lines += [
            f"## {title} ({len(group)})",
            "",
            "| operation | where | change | contract | appliance |",
            "|---|---|---|---|---|",
        ]
        for d in group:
            name = f"`{d.operation}`" + (f" ({d.operation_id})" if d.operation_id else "")
            lines.append(
                f"| {name} | {_cell(d.where) or '-'} | {_cell(d.message)} "
                f"| {_cell(d.ours) or '-'} | {_cell(d.theirs) or '-'} |"
            )
        lines.append("")
    return "\n".join(lines)


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|")


def _release(version: str | None) -> str | None:
    if not version:
        return None
    short = ".".join(version.split(".")[:2])
    try:
        # a description versioned otherwise than as an SCV release gates nothing
        return short if release_key(short) >= release_key(FIRST_RELEASE) else None
    except ValueError:
        return None
