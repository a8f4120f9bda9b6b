"""The ``emulate`` command: serve an emulated appliance until interrupted."""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path

from conformance.core.contract import LATEST_RELEASE
from conformance.emulator.config import (
    DEFAULT_PASSWORD,
    DEFAULT_PORT,
    DEFAULT_USERNAME,
    SNAPSHOT_PATHS,
    SPELLINGS,
    ConfigError,
    EmulatorConfig,
)
from conformance.emulator.faults import FAULTS
from conformance.emulator.inventory import describe_inventory
from conformance.emulator.server import base_urls, bind, make_server
from conformance.emulator.tls import ensure_certificate

EXIT_USAGE = 2
EXIT_PORT = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``emulate`` options to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0 picks a free one)")
    parser.add_argument("--no-tls", action="store_true", help="serve plain HTTP")
    parser.add_argument("--cert-dir", type=Path, help="keep (and reuse) the certificate here")
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument(
        "--appliance-version", default=LATEST_RELEASE, help="SCV release to emulate, e.g. 4.5"
    )
    parser.add_argument(
        "--job-duration", type=float, default=0.3, metavar="SECONDS", help="how long jobs run"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the inventory")
    parser.add_argument(
        "--fault", metavar="NAME", help=f"deviate on purpose; one of: {', '.join(FAULTS)}"
    )
    parser.add_argument("--token-ttl-minutes", type=float, default=120.0, metavar="N")
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
        "--list-inventory", action="store_true", help="print the seeded inventory and exit"
    )


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    """The emulator settings named by parsed arguments (ConfigError when unusable)."""
    config = EmulatorConfig(
        host=args.host,
        port=args.port,
        tls=not args.no_tls,
        cert_dir=args.cert_dir,
        username=args.username,
        password=args.password,
        appliance_version=args.appliance_version,
        job_duration=args.job_duration,
        seed=args.seed,
        fault=args.fault,
        token_ttl=args.token_ttl_minutes,
        spelling=args.spelling,
        snapshot_path=args.snapshot_path,
    )
    config.validate()
    return config


def _error(text: str) -> None:
    print(f"scv-conformance emulate: error: {text}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; 0 on a clean stop, 2 on bad options, 3 when the port is taken."""
    if getattr(args, "list_inventory", False):
        for kind, name, ident in describe_inventory():
            print(f"{kind:15} {name:28} {ident}")
        return 0
    try:
        config = config_from(args)
    except ConfigError as exc:
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
    print(f"SCV emulator (appliance {config.appliance_version}) at {base}", flush=True)
    print(f"  vCenter:     {vcenter}  (pass as --vcenter)")
    print(f"  username:    {config.username}")
    print(f"  password:    {config.password}")
    if certificate is not None:
        print(f"  CA cert:     {certificate.ca_path}")
    if config.fault:
        print(f"  fault:       {config.fault} ({FAULTS[config.fault].description})")
    print("Press Ctrl-C to stop.", flush=True)
    server = make_server(config, certificate)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m conformance.emulator``)."""
    parser = argparse.ArgumentParser(prog="scv-conformance emulate", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
