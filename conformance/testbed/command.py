"""`scv-conformance certify-client`: the integration's command against every cell, sealed.

``certify-client [--release R]... [--condition C]... --out DIR -- COMMAND [ARGS...]`` runs
COMMAND once per cell of the matrix, each time against a fresh emulator playing the cell's
release under its condition with the proxy in front, writes every cell's reports and the
whole's into DIR and seals DIR like ``certify`` does (certificate.json, MANIFEST, and with
``--sign KEY`` MANIFEST.sig). ``certify-client --verify DIR [--key PUB]`` checks a bundle.
Exit 0 when every cell passed, 1 when one failed (each named, with why), 2 on misuse, 3
when a cell could not be run.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from conformance.certify import sealed_run as certify_command
from conformance.certify.manifest import MANIFEST, write_manifest
from conformance.certify.signing import fingerprint, load_private_key, sign
from conformance.contract.spec import load_contract
from conformance.core.errors import ExitCode, UsageError
from conformance.http.redaction import redact_text
from conformance.reporting.atomic import write_json
from conformance.testbed.cell import (
    NOT_RUN,
    CellOptions,
    CellResult,
    FrontFactory,
    not_run,
    run_cell,
)
from conformance.testbed.certificate import FILE_NAME, build_certificate
from conformance.testbed.front import FrontOptions, emulated_fronts
from conformance.testbed.integration import resolve_command
from conformance.testbed.matrix import Cell, build_matrix
from conformance.testbed.options import parallel, seconds
from conformance.testbed.report import CELLS_DIR, SUMMARY_MD, write_summary

#: The signals that stop the matrix.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run(args: argparse.Namespace) -> int:
    """Dispatch ``certify-client``: verify a bundle, or make one."""
    if args.verify:
        if args.integration or args.out:
            raise UsageError("certify-client: --verify DIR takes no --out and no command")
        return certify_command.verify(args.verify, args.key)
    if args.key:
        raise UsageError("certify-client: --key goes with --verify; sign with --sign KEY")
    if not args.out:
        raise UsageError("certify-client: give --out DIR (or --verify DIR)")
    cell_timeout, job_duration = seconds(args)
    argv = _command(args.integration)
    cells = build_matrix(args.release, args.condition)
    options = CellOptions(tuple(resolve_command(argv)), cell_timeout, args.strict)
    shared = FrontOptions(job_duration=job_duration, strict=args.strict, tls=not args.no_tls)
    with _stop_signals_as_interrupt(), emulated_fronts(shared) as front:
        return certify_client(
            cells, options, argv, Path(args.out), front, args.sign, parallel(args)
        )


@contextmanager
def _stop_signals_as_interrupt() -> Iterator[None]:
    """SIGTERM (a CI job's timeout) stops the matrix as Ctrl-C does: the running command
    and its processes end, the cells not run are reported and the bundle is sealed. Ctrl-C
    does so also where the command was started with SIGINT ignored (a script's background
    job), where Python would not raise KeyboardInterrupt."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, interrupt) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def certify_client(
    cells: Sequence[Cell],
    options: CellOptions,
    argv: Sequence[str],
    out: Path,
    front: FrontFactory,
    sign_with: str | None = None,
    parallel: int = 1,
) -> int:
    """Run every cell (``parallel`` at a time), write the reports, seal the bundle; the
    exit code."""
    bundle = certify_command.fresh_bundle_path(str(out), "certify-client")
    key = load_private_key(sign_with) if sign_with else None
    bundle.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    results = run_cells(cells, options, bundle, front, parallel)
    interrupted = options.stop.is_set()
    ended = datetime.now(UTC)
    shown = [redact_text(a) for a in argv]
    document = write_summary(
        results,
        bundle,
        {
            "command": shown,
            "releases": list(dict.fromkeys(c.release for c in cells)),
            "conditions": list(dict.fromkeys(c.condition for c in cells if c.condition)),
            "strict": options.strict,
            "interrupted": interrupted,
            "startTime": started.isoformat(timespec="seconds"),
            "endTime": ended.isoformat(timespec="seconds"),
            "durationSeconds": round((ended - started).total_seconds(), 3),
        },
    )
    # the files of the command as it ran: its program as found on PATH
    certificate = build_certificate(document, options.argv, load_contract())
    write_json(bundle / FILE_NAME, certificate)
    manifest = write_manifest(bundle)
    failing = [c for c in document["cells"] if c["status"] != "passed"]
    sys.stdout.flush()
    for cell in failing:
        print(f"{cell['status']}: {cell['name']}: {'; '.join(cell['reasons'])}", file=sys.stderr)
    counts = document["totals"]
    print(
        f"certify-client: {counts['passed']} of {counts['cells']} cells passed; "
        f"bundle {bundle} ({SUMMARY_MD}, {FILE_NAME}, {MANIFEST})"
    )
    if key is not None:
        sign(manifest, key)
        print(f"signed {MANIFEST} with key {fingerprint(key.public_key())[:16]}")
    return int(ExitCode.INFRASTRUCTURE) if interrupted else int(document["exitCode"])


def run_cells(
    cells: Sequence[Cell], options: CellOptions, bundle: Path, front: FrontFactory, parallel: int
) -> list[CellResult]:
    """Every cell's result, in the matrix's order, ``parallel`` cells at a time.

    Ctrl-C (or SIGTERM) sets ``options.stop``: the running commands end, no further cell
    starts, and those cells are reported as not run.
    """
    results: dict[int, CellResult] = {}
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="cell") as pool:
        futures: dict[Future[CellResult], int] = {
            pool.submit(_cell, cell, options, bundle / CELLS_DIR / cell.name, front): index
            for index, cell in enumerate(cells)
        }
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in finished:
                    result = future.result()
                    results[futures[future]] = result
                    _progress(len(results), len(cells), result)
        except KeyboardInterrupt:
            options.stop.set()
            print("interrupted: stopping the running cells", flush=True)
            for future in pending:
                results[futures[future]] = future.result()
        except BaseException:
            options.stop.set()
            raise
    return [results[index] for index in range(len(cells))]


def _cell(cell: Cell, options: CellOptions, folder: Path, front: FrontFactory) -> CellResult:
    """One cell, or why it did not run."""
    if options.stop.is_set():
        return not_run(cell, "interrupted before it ran")
    try:
        return run_cell(cell, options, folder, front)
    except KeyboardInterrupt:
        # the stop request reached this cell's command (or arrived in this thread)
        options.stop.set()
        return not_run(cell, "interrupted while it ran")


def _progress(done: int, total: int, result: CellResult) -> None:
    why = f": {'; '.join(result.reasons)}" if result.reasons else ""
    took = f" ({result.duration_seconds:.1f} s)" if result.status != NOT_RUN else ""
    print(f"[{done}/{total}] {result.cell.name}: {result.status}{took}{why}", flush=True)


def _command(remainder: Sequence[str]) -> list[str]:
    argv = list(remainder)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise UsageError("certify-client: give the integration's command after --")
    return argv
