"""The options of ``certify-client``, declared once (cheap to import: the command line's
parser is built before any command runs)."""

from __future__ import annotations

import argparse
from typing import cast

from conformance.certify.bundle_options import add_bundle_arguments
from conformance.core import option_table
from conformance.core.errors import UsageError
from conformance.emulator.conditions import CONDITIONS
from conformance.testbed.matrix import known_releases

DEFAULT_CELL_TIMEOUT = 300.0
MAX_CELL_TIMEOUT = 24 * 3600.0
DEFAULT_JOB_DURATION = 0.3
MAX_JOB_DURATION = 3600.0
MAX_PARALLEL = 16


def seconds(args: argparse.Namespace) -> tuple[float, float]:
    """``--cell-timeout`` and ``--job-duration``, checked as every run's seconds are
    (finite, positive, bounded); UsageError otherwise."""
    # not optional: a number comes back, or UsageError
    cell_timeout = option_table.Seconds(MAX_CELL_TIMEOUT)(args.cell_timeout, "cell-timeout")
    job_duration = option_table.Seconds(MAX_JOB_DURATION)(args.job_duration, "job-duration")
    return cast(float, cell_timeout), cast(float, job_duration)


def parallel(args: argparse.Namespace) -> int:
    """``--parallel``: how many cells run at once (1 to ``MAX_PARALLEL``)."""
    text = str(args.parallel)
    if not text.isdigit() or not 1 <= int(text) <= MAX_PARALLEL:
        raise UsageError(f"--parallel: a whole number from 1 to {MAX_PARALLEL}, got {text}")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``certify-client`` options to ``parser``."""
    parser.usage = (
        "%(prog)s [--release R]... [--condition C]... --out DIR [--sign KEY] [options]\n"
        "           -- COMMAND [ARGS...]\n"
        "       %(prog)s --verify DIR [--key PUB]"
    )
    parser.add_argument(
        "--release",
        action="append",
        default=[],
        metavar="R",
        help=f"a release to play (repeatable; one of {', '.join(known_releases())}; "
        "default: 4.4, each release that adds operations, and the newest)",
    )
    parser.add_argument(
        "--condition",
        action="append",
        default=[],
        metavar="C",
        help=f"a condition to play (repeatable; one of {', '.join(CONDITIONS)}; default: all)",
    )
    add_bundle_arguments(parser)
    parser.add_argument("--strict", action="store_true", help="a deviation fails its cell")
    parser.add_argument(
        "--cell-timeout",
        default=DEFAULT_CELL_TIMEOUT,
        metavar="S",
        help=f"seconds the command may run in each cell (default: {DEFAULT_CELL_TIMEOUT:g})",
    )
    parser.add_argument(
        "--job-duration",
        default=DEFAULT_JOB_DURATION,
        metavar="S",
        help=f"seconds the emulator's jobs run (default: {DEFAULT_JOB_DURATION:g}; "
        "slow-jobs runs them longer)",
    )
    parser.add_argument(
        "--parallel",
        default=1,
        metavar="N",
        help=f"cells run at once, each with its own emulator and proxy (1 to {MAX_PARALLEL}; "
        "default: 1)",
    )
    parser.add_argument(
        "--no-tls",
        action="store_true",
        help="serve plain HTTP (default: HTTPS, with the CA certificate in SCV_CA_FILE)",
    )
    parser.add_argument(
        "integration",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND [ARGS...]",
        help="the integration's command, run once per cell",
    )
