"""The options of ``scv-conformance proxy`` (light: the command module loads the rest).

The connection options and ``--vcenter``, ``--appliance-version``, ``--report-dir``,
``--max-time`` and ``--strict`` are the run's own (:mod:`conformance.core.option_table`), with
a help that says what each means for the proxy; ``--listen`` and ``--record`` are its own.
"""

from __future__ import annotations

import argparse

from conformance.contract.spec import LATEST_RELEASE
from conformance.core import option_table
from conformance.core.errors import UsageError

DEFAULT_LISTEN = "127.0.0.1:8144"
#: How the proxy reaches the appliance: the connection options but the credentials (the
#: client logs in through the proxy) and the rate limit (the client sets its own pace).
CONNECTION_OPTIONS = (
    "target",
    "config",
    "tls_verify",
    "request_timeout",
    "headers",
    "proxy",
    "overlays",
)
TARGET_HELP = (
    "the appliance to forward to, e.g. https://scv.lab:8144/api (default: the embedded emulator)"
)
#: The run's options the proxy takes, with what each means for it.
RUN_OPTIONS = {
    "vcenter": "vCenter to forward vCenter's API to (/api/session, /api/vcenter/..., /rest/...)",
    "appliance_version": (
        f"with the embedded emulator: the release it plays (default: {LATEST_RELEASE})"
    ),
    "report_dir": "where the run folder is written (default: reports)",
    "max_time": "stop after this many seconds (default: at SIGINT or SIGTERM)",
    "strict": "deviations from our assumptions are client failures (exit 1)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``proxy``."""
    parser.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="HOST:PORT",
        help=f"where the client connects (default: {DEFAULT_LISTEN}; port 0 picks a free one)",
    )
    for name in CONNECTION_OPTIONS:
        option_table.add_option(parser, name, help=TARGET_HELP if name == "target" else None)
    for name, text in RUN_OPTIONS.items():
        option_table.add_option(parser, name, help=text)
    parser.add_argument(
        "--record",
        default=None,
        metavar="FILE.har",
        help="write every exchange, secrets redacted, to FILE as HAR 1.2",
    )


def listen_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6); UsageError otherwise."""
    host, colon, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--listen: expected HOST:PORT, e.g. 127.0.0.1:8144, got {text!r}")
    return host, int(port)
