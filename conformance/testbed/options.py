"""The options of ``certify-client``, declared once (cheap to import: the command line's
parser is built before any command runs)."""

from __future__ import annotations

import argparse
import math

from conformance.emulator.conditions import CONDITIONS
from conformance.testbed.matrix import known_releases

DEFAULT_CELL_TIMEOUT = 300.0
MAX_CELL_TIMEOUT = 24 * 3600.0
DEFAULT_JOB_DURATION = 0.3
MAX_JOB_DURATION = 3600.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``certify-client`` options to ``parser``."""
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
    parser.add_argument("--out", default=None, metavar="DIR", help="where to write the bundle")
    parser.add_argument("--sign", default=None, metavar="KEY", help="Ed25519 private key (PEM)")
    parser.add_argument(
        "--verify", default=None, metavar="DIR", help="check a bundle instead of making one"
    )
    parser.add_argument(
        "--key", default=None, metavar="PUB", help="with --verify: the signer's public key"
    )
    parser.add_argument("--strict", action="store_true", help="a deviation fails its cell")
    parser.add_argument(
        "--cell-timeout",
        type=_seconds(MAX_CELL_TIMEOUT, zero=False),
        default=DEFAULT_CELL_TIMEOUT,
        metavar="S",
        help=f"seconds the command may run in each cell (default: {DEFAULT_CELL_TIMEOUT:g})",
    )
    parser.add_argument(
        "--job-duration",
        type=_seconds(MAX_JOB_DURATION, zero=True),
        default=DEFAULT_JOB_DURATION,
        metavar="S",
        help=f"seconds the emulator's jobs run (default: {DEFAULT_JOB_DURATION:g}; "
        "slow-jobs runs them longer)",
    )
    parser.add_argument(
        "integration",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND [ARGS...]",
        help="the integration's command, run once per cell",
    )


def _seconds(limit: float, zero: bool) -> argparse._ActionType:
    """A parser of a finite number of seconds, positive (or zero), at most ``limit``."""

    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of seconds: {value}") from None
        if not math.isfinite(number):
            raise argparse.ArgumentTypeError(f"{value}: not a finite number of seconds")
        if number < 0 or (number == 0 and not zero):
            least = "zero or more" if zero else "more than zero"
            raise argparse.ArgumentTypeError(f"{value}: must be {least}")
        if number > limit:
            raise argparse.ArgumentTypeError(f"{value}: at most {limit:g} seconds")
        return number

    return parse
