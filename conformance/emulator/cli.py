"""The ``emulate`` command: serve an emulated appliance until interrupted."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
from pathlib import Path

from conformance.contract.spec import LATEST_RELEASE
from conformance.core.errors import HarnessError, UsageError
from conformance.core.option_table import overlays as parse_overlays
from conformance.core.settings import add_overlay_argument
from conformance.emulator.auth import DEFAULT_MAX_SESSIONS
from conformance.emulator.conditions import CONDITIONS
from conformance.emulator.config import (
    DEFAULT_PASSWORD,
    DEFAULT_PORT,
    DEFAULT_USERNAME,
    SNAPSHOT_PATHS,
    SPELLINGS,
    UNKNOWN_FIELDS,
    EmulatorConfig,
)
from conformance.emulator.faults import FAULTS
from conformance.emulator.inventory import describe_inventory
from conformance.emulator.limits import DEFAULT_MAX_BODY_BYTES
from conformance.emulator.releases import VARIANTS
from conformance.emulator.server import base_urls, bind, make_server
from conformance.emulator.tls import ensure_certificate

EXIT_USAGE = 2
EXIT_PORT = 3
PASSWORD_ENV = "SCV_EMULATOR_PASSWORD"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``emulate`` options to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0 picks a free one)")
    parser.add_argument("--no-tls", action="store_true", help="serve plain HTTP")
    parser.add_argument("--cert-dir", type=Path, help="keep (and reuse) the certificate here")
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument(
        "--password",
        help=f"the login password (better: set {PASSWORD_ENV}; default: see docs/emulator.md)",
    )
    parser.add_argument(
        "--appliance-version", default=LATEST_RELEASE, help="SCV release to emulate, e.g. 4.5"
    )
    parser.add_argument(
        "--job-duration", type=float, default=0.3, metavar="SECONDS", help="how long jobs run"
    )
    parser.add_argument(
        "--release-variant",
        metavar="NAME",
        help=f"play a later release with documented changes; one of: {', '.join(VARIANTS)}",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the inventory")
    parser.add_argument(
        "--fault",
        action="append",
        default=None,
        metavar="NAME",
        help=f"deviate on purpose (repeatable: every fault given is played); one of: "
        f"{', '.join(FAULTS)}",
    )
    parser.add_argument(
        "--condition",
        action="append",
        default=None,
        metavar="NAME",
        help="play legitimate appliance behaviour a client must survive (repeatable); "
        f"one of: {', '.join(CONDITIONS)}",
    )
    parser.add_argument("--token-ttl-minutes", type=float, default=120.0, metavar="N")
    parser.add_argument(
        "--vcenter-session-ttl-minutes",
        type=float,
        default=30.0,
        metavar="N",
        help="idle time after which a vCenter session ends",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help="live tokens (and vCenter sessions) kept; past it the oldest ends",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        metavar="N",
        help="delay every answer by N milliseconds, as a slow appliance",
    )
    parser.add_argument(
        "--latency-spread-ms",
        type=float,
        default=0.0,
        metavar="M",
        help="vary that delay uniformly by up to M ms either way (repeatable with --seed)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="N",
        help="larger request bodies are refused with 413",
    )
    parser.add_argument(
        "--spelling",
        choices=SPELLINGS,
        default="english",
        help="answer availableEsxHostsList (english) or AvailableEsxHostsList (translation)",
    )
    parser.add_argument(
        "--snapshot-path",
        choices=SNAPSHOT_PATHS,
        default="both",
        help="which datastore snapshot-location path to serve (the pages name two)",
    )
    parser.add_argument(
        "--unknown-fields",
        choices=UNKNOWN_FIELDS,
        default="refuse",
        help="a request field the contract does not name: refuse it with 400 (default), or "
        "ignore it, as a Spring appliance (Jackson) does",
    )
    parser.add_argument(
        "--list-inventory", action="store_true", help="print the seeded inventory and exit"
    )
    add_overlay_argument(parser)


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    """The emulator settings named by parsed arguments (UsageError when unusable)."""
    try:
        overlays = parse_overlays(getattr(args, "overlays", None))
    except HarnessError as exc:
        raise UsageError(str(exc)) from None
    config = EmulatorConfig(
        host=args.host,
        port=args.port,
        tls=not args.no_tls,
        cert_dir=args.cert_dir,
        username=args.username,
        password=password_of(args)[0],
        appliance_version=args.appliance_version,
        job_duration=args.job_duration,
        seed=args.seed,
        fault=tuple(args.fault or ()) or None,
        token_ttl=args.token_ttl_minutes,
        overlays=overlays,
        vcenter_session_ttl=args.vcenter_session_ttl_minutes,
        max_sessions=args.max_sessions,
        max_body_bytes=args.max_body_bytes,
        latency_ms=args.latency_ms,
        latency_spread_ms=args.latency_spread_ms,
        release_variant=args.release_variant,
        spelling=args.spelling,
        snapshot_path=args.snapshot_path,
        conditions=tuple(dict.fromkeys(getattr(args, "condition", None) or ())),
        unknown_fields=args.unknown_fields,
    )
    config.validate()
    return config


#: The command a newcomer runs to learn the default password the banner does not print.
SHOW_DEFAULT_PASSWORD = "python -c 'import conformance.emulator as e; print(e.DEFAULT_PASSWORD)'"


def password_of(args: argparse.Namespace) -> tuple[str, str]:
    """The password and where it came from: the flag, the environment or the default."""
    if args.password is not None:
        return args.password, "given with --password"
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env, f"from {PASSWORD_ENV}"
    return (
        DEFAULT_PASSWORD,
        f"the default; `{SHOW_DEFAULT_PASSWORD}` prints it (docs/emulator.md, "
        f"'Default credentials'); choose another with {PASSWORD_ENV} or --password",
    )


def _list_inventory() -> int:
    try:
        for kind, name, ident in describe_inventory():
            print(f"{kind:15} {name:28} {ident}")
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader (`| head`) took what it wanted; what is left goes nowhere, quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _error(text: str) -> None:
    print(f"scv-conformance emulate: error: {text}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; 0 on a clean stop, 2 on bad options, 3 when the port is taken."""
    if getattr(args, "list_inventory", False):
        return _list_inventory()
    try:
        config = config_from(args)
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    try:
        sock = bind(config.host, config.port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            _error(f"port {config.port} on {config.host} is already in use")
            return EXIT_PORT
        _error(f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}")
        return EXIT_PORT
    try:
        certificate = ensure_certificate(config.cert_dir) if config.tls else None
    except OSError as exc:
        sock.close()
        _error(f"cannot write the certificate: {exc.strerror or exc}")
        return EXIT_USAGE
    port = sock.getsockname()[1]
    base, vcenter = base_urls("https" if certificate else "http", config.host, port)
    print(f"SCV emulator (appliance {config.reported_version}) at {base}", flush=True)
    print(f"  vCenter:     {vcenter}  (pass as --vcenter)")
    print(f"  username:    {config.username}")
    # never the password itself, not even the published default: consoles end up in CI
    # logs, and a log that holds a working password of a lab is one to clean up
    print(f"  password:    ******** ({password_of(args)[1]})")
    if certificate is not None:
        print(f"  CA cert:     {certificate.ca_path}")
    variant = config.variant
    if variant is not None:
        print(f"  variant:     {variant.name}, {variant.version} after {variant.follows}:")
        for change in variant.changes:
            print(f"               {change.summary}")
    if config.latency_ms:
        print(f"  latency:     {config.latency_ms:g} ms ± {config.latency_spread_ms:g} ms")
    for name in config.faults:
        print(f"  fault:       {name} ({FAULTS[name].description})")
    for name in config.conditions:
        print(f"  condition:   {name} ({CONDITIONS[name].description})")
    if config.unknown_fields == "ignore":
        print("  unknown request fields: ignored, as Spring's Jackson does (listed in its log)")
    for overlay in config.overlays:
        print(f"  overlay:     {overlay}")
    print("Press Ctrl-C to stop.", flush=True)
    _log_to_console()
    server = make_server(config, certificate)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


def _log_to_console() -> None:
    """The emulator's own log (refused logins, ignored unknown fields) on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger("conformance.emulator")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m conformance.emulator``)."""
    parser = argparse.ArgumentParser(prog="scv-conformance emulate", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
