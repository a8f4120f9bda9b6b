"""The `scv-conformance` command: emulate, fuzz, scenarios, run, report."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.certify.bundle_options import add_bundle_arguments
from conformance.core.errors import ExitCode, HarnessError, UsageError
from conformance.core.help_sections import exit_codes_epilog, paragraph, section
from conformance.core.option_table import add_option
from conformance.core.settings import (
    add_connection_arguments,
    add_overlay_argument,
    add_target_arguments,
    resolve,
)
from conformance.emulator import cli as emulator_cli
from conformance.proxy import options as proxy_options
from conformance.reporting.unwritten import no_room
from conformance.run.plan_options import add_run_options, plan_from_arguments, processes
from conformance.testbed import options as testbed_options

CERTIFY_USAGE = """scv-conformance certify --out DIR [--sign KEY] [options of the run]
       scv-conformance certify --verify DIR [--key PUB]
       scv-conformance certify --keygen PREFIX"""

CERTIFY_EXIT_CODES = exit_codes_epilog(
    {
        ExitCode.CONFORMANT: "certified conformant; --verify: every file matches the MANIFEST "
        "(and the signature holds); --keygen: keys written",
        ExitCode.FAILURES: "conformance failures found; --verify: a file tampered with, "
        "missing or unlisted, or the signature missing or wrong",
        ExitCode.USAGE: "usage error: --out not an empty folder, --verify of no bundle, "
        "a signed bundle verified without --key, ...",
        ExitCode.INFRASTRUCTURE: "target unreachable, or another infrastructure error",
    }
)


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as exit code 2 and a one-line message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="scv-conformance",
        description="Contract tests and conformance runs for the SCV REST API.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    emulate = commands.add_parser(
        "emulate",
        help="serve the emulated appliance",
        **_exit_codes(
            "stopped with Ctrl-C (or --list-inventory printed)",
            None,
            "bad options: an unknown fault or condition, a certificate that cannot be written",
            "the port is taken, or the address cannot be listened on",
        ),
    )
    emulator_cli.add_arguments(emulate)

    fuzz = _suite_command(commands, "fuzz", "property-based tests of every operation")
    add_target_arguments(fuzz)
    add_run_options(fuzz, "fuzz")
    _add_record(fuzz)
    _add_baseline(fuzz)

    scenarios = _suite_command(commands, "scenarios", "replay the documented workflows")
    add_target_arguments(scenarios)
    _add_baseline(scenarios)
    add_run_options(scenarios, "scenarios")
    _add_record(scenarios)

    run = _suite_command(commands, "run", "fuzzing and scenarios, with every report")
    add_target_arguments(run)
    _add_baseline(run)
    add_run_options(run, "run")
    fleet = section(run, "fleet")
    fleet.add_argument(
        "--fleet", default=None, metavar="FILE", help="run every target of a TOML fleet file"
    )
    fleet.add_argument(
        "--fleet-concurrency",
        type=processes,
        default=None,
        metavar="N",
        help="targets of --fleet run at the same time (default: the file's, else 2)",
    )
    _add_record(run)

    token = commands.add_parser(
        "token",
        help="log in and print the session token (export SCV_TOKEN=$(scv-conformance token ...))",
        description=paragraph(
            "Log in to the target as a run does (the same options, SCV_PASSWORD and the "
            "config file) and print the session token on standard output, and nothing else "
            "there, for the reproducing curl commands of a report and for a plain st run: "
            "export SCV_TOKEN=$(scv-conformance token --target URL --username U). The token "
            "is a secret: it is written nowhere else, and not to a terminal unless --show "
            "says so. It expires as every session of the appliance does."
        ),
        epilog=exit_codes_epilog(
            {
                ExitCode.CONFORMANT: "the token is on standard output",
                ExitCode.USAGE: "usage error: no target, no credentials, standard output "
                "a terminal without --show",
                ExitCode.INFRASTRUCTURE: "the appliance is unreachable, refuses the "
                "credentials, or is not an SCV appliance",
            }
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_connection_arguments(token, "appliance base URL, e.g. https://scv.lab:8144/api")
    token.add_argument(
        "--show",
        action="store_true",
        help="print the token also when standard output is a terminal",
    )

    check = commands.add_parser(
        "check",
        help="judge a recorded HAR file against the contract, offline",
        **_exit_codes(
            "every judged check held (deviations listed; --strict fails them)",
            "a failure",
            "not a HAR file, or misuse",
        ),
    )
    check.add_argument(
        "har",
        nargs="?",
        default=None,
        metavar="FILE.har",
        help="a HAR 1.2 file (from --record or any tool): the appliance's answers judged",
    )
    check.add_argument(
        "--client",
        default=None,
        metavar="FILE.har",
        help="judge the client's requests in a recorded session instead, as the proxy does",
    )
    check.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="also write summary.json and summary.md here (with --client: junit.xml and "
        "allure-results/ too)",
    )
    add_overlay_argument(check)
    check.add_argument(
        "--strict",
        action="store_true",
        help="deviations from our assumptions fail the check (exit 1)",
    )

    proxy = commands.add_parser(
        "proxy",
        help="a validating, recording proxy that judges a client's requests",
        **_exit_codes(
            "the traffic conformed (deviations listed; --strict fails them)",
            "a client failure",
            "misuse",
            "the appliance could not be reached, or the address to listen on is taken",
        ),
    )
    proxy_options.add_arguments(proxy)

    diff = commands.add_parser(
        "diff",
        help="what changed between two runs (before and after an upgrade)",
        **_exit_codes(
            "nothing regressed",
            "a regression",
            "bad input: a folder without summary.json, an unreadable observations.json",
        ),
    )
    diff.add_argument("before", metavar="BEFORE", help="the earlier run folder or summary.json")
    diff.add_argument("after", metavar="AFTER", help="the later run folder or summary.json")
    diff.add_argument(
        "--out", default=None, metavar="DIR", help="also write diff.md, diff.json, allure-results/"
    )
    diff.add_argument(
        "--latency-threshold",
        type=_fraction,
        default=0.5,
        metavar="PCT",
        help="p95 growth that counts as a regression, e.g. 50%% or 0.5 (default: 50%%)",
    )

    certify = commands.add_parser(
        "certify",
        help="a full run sealed in a bundle: reports, certificate, MANIFEST",
        usage=CERTIFY_USAGE,
        description=paragraph(
            "Certify a target: a full run written straight into a bundle (reports, "
            "certificate, MANIFEST, optionally signed). The same command verifies a bundle "
            "and makes a signing key."
        ),
        epilog=CERTIFY_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    making = certify.add_argument_group("certify a target (with the options of the run below)")
    verifying = certify.add_argument_group("verify a bundle")
    keys = certify.add_argument_group("make a signing key")
    add_bundle_arguments(certify, making, verifying)
    keys.add_argument(
        "--keygen",
        default=None,
        metavar="PREFIX",
        help="write PREFIX.key (keep it secret) and PREFIX.pub (give it to who verifies)",
    )
    add_target_arguments(certify)
    add_option(certify, "job_timeout")
    section(certify, "limits").add_argument(
        "--workers",
        type=processes,
        default=None,
        metavar="N",
        help="parallel pytest-xdist workers (default: one process)",
    )
    certify.set_defaults(command_parser=certify)

    certify_client = commands.add_parser(
        "certify-client",
        help="run an integration's command against every release and condition, sealed",
        **_exit_codes(
            "every cell passed (--verify: the bundle is intact, as certify's)",
            "a cell failed (--verify: a file tampered with, or the signature wrong)",
            "misuse: an unknown release or condition, no COMMAND, an --out that is not empty",
            "a cell could not be run, or the run was interrupted",
        ),
    )
    testbed_options.add_arguments(certify_client)

    report = commands.add_parser(
        "report",
        help="turn a run's results into the Allure HTML report",
        **_exit_codes(
            "the report is written",
            None,
            "no run to report on",
            "the Allure command line is missing (npm install) or failed",
        ),
    )
    report.add_argument(
        "run_dir",
        nargs="*",
        default=[],
        metavar="RUN_DIR",
        help="a run folder (default: the latest under --report-dir); several are merged "
        "into one report, each as NAME=RUN_DIR or named after its folder",
    )
    report.add_argument("--out", default=None, metavar="DIR", help="where several merged runs go")
    report.add_argument(
        "--report-dir",
        default="reports",
        metavar="DIR",
        help="where runs are written (default: reports)",
    )
    drift = commands.add_parser(
        "drift",
        help="compare the API description the appliance serves with the contract",
        **_exit_codes(
            "no breaking difference",
            "a breaking difference",
            "usage or configuration error",
            "the appliance cannot be reached or serves no description",
        ),
    )
    _add_calibration_arguments(drift)
    drift.add_argument(
        "--api-docs",
        default=None,
        metavar="URL|FILE",
        help="the appliance's description, if not at a usual location (Swagger 2.0 or OpenAPI 3)",
    )
    drift.add_argument(
        "--out", default=None, metavar="DIR", help="also write drift.md and drift.json here"
    )
    learn = commands.add_parser(
        "learn",
        help="write an Overlay that adapts the contract to what the appliance sends",
        **_exit_codes(
            "the Overlay is written",
            None,
            "usage or configuration error",
            "the appliance cannot be reached, an interrupt (no Overlay written), or a "
            "cleanup that could not happen",
        ),
    )
    _add_calibration_arguments(learn)
    learn.add_argument(
        "--out", required=True, metavar="FILE", help="where to write the Overlay 1.0 document"
    )
    add_option(
        learn,
        "allow_destructive",
        help="also run the documented state-changing workflows (each undone again)",
    )
    add_option(learn, "job_timeout")
    return parser


def _exit_codes(
    conformant: str, failures: str | None, usage: str, infrastructure: str | None = None
) -> dict[str, Any]:
    """The ``epilog`` (a command's exit codes) and the formatter that keeps it as written."""
    meanings = {
        ExitCode.CONFORMANT: conformant,
        ExitCode.FAILURES: failures,
        ExitCode.USAGE: usage,
        ExitCode.INFRASTRUCTURE: infrastructure,
    }
    return {
        "epilog": exit_codes_epilog({k: v for k, v in meanings.items() if v}),
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }


def _suite_command(commands: Any, name: str, help: str) -> argparse.ArgumentParser:
    """The parser of `run`, `fuzz` or `scenarios`: options in sections, exit codes last."""
    fleet = " | --fleet FILE" if name == "run" else ""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        usage=f"%(prog)s [--target URL{fleet}] [options]",
        description=help[0].upper() + help[1:] + ".",
        epilog=exit_codes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _add_calibration_arguments(parser: argparse.ArgumentParser) -> None:
    """The target options of `drift` and `learn`, read like `run` reads them."""
    add_connection_arguments(parser, "appliance base URL, e.g. https://scv.lab:8144/api")


def _add_record(parser: argparse.ArgumentParser) -> None:
    section(parser, "reports").add_argument(
        "--record",
        default=None,
        metavar="FILE",
        help="write every HTTP exchange, secrets redacted, to FILE as HAR 1.2",
    )


def _add_baseline(parser: argparse.ArgumentParser) -> None:
    verdicts = section(parser, "verdicts")
    verdicts.add_argument(
        "--baseline",
        default=None,
        metavar="FILE",
        help="accepted known failures: fail only on new ones",
    )
    verdicts.add_argument(
        "--write-baseline",
        default=None,
        metavar="FILE",
        help="write this run's failures as a baseline file",
    )


def _fraction(value: str) -> float:
    text = value.strip()
    try:
        number = float(text.removesuffix("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {value}") from None
    if number < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(_dispatch(args))
    except HarnessError as exc:
        print(f"scv-conformance: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("scv-conformance: interrupted", file=sys.stderr)
        return int(ExitCode.INFRASTRUCTURE)
    except OSError as exc:  # a full disk anywhere a command writes: the machine, not the target
        line = no_room(exc)
        if line is None:
            raise
        print(f"scv-conformance: error: {line}", file=sys.stderr)
        return int(ExitCode.INFRASTRUCTURE)


def _dispatch(args: argparse.Namespace) -> int:
    """Apply the options every command shares, then run the chosen command."""
    if getattr(args, "no_color", False):
        # rich (every console of the harness) and pytest (the suites' processes, which
        # inherit it) both read it
        os.environ["NO_COLOR"] = "1"
    return _command(args)


def _command(args: argparse.Namespace) -> int:
    """Run the chosen command.

    Each command's module is imported when it is chosen, the one place in the package that
    imports inside a function: importing every command's dependencies (schemathesis,
    Hypothesis, cryptography, ...) up front costs every command, `--help` included, about
    1.5 s of CPU (measured: ``python -c "import conformance.cli"`` 0.27 s CPU / 0.49 s wall,
    the same with every command module imported 1.80 s CPU / 2.59 s wall, medians of five).
    These imports hide nothing: the import-linter contracts (``lint-imports``) read imports
    inside functions as well, so every command's dependencies keep the layers' direction.
    """
    if args.command == "emulate":
        return emulator_cli.run(args)
    if args.command == "diff":
        from conformance.reporting.diff_report import run_diff

        return run_diff(args.before, args.after, args.out, args.latency_threshold)
    if args.command == "report":
        from conformance.reporting.html import build_report
        from conformance.reporting.merge import merged_report

        if len(args.run_dir) > 1:
            return merged_report(args.run_dir, args.out, args.report_dir)
        return build_report(args.run_dir[0] if args.run_dir else None, args.report_dir)
    if args.command == "drift":
        from conformance.calibrate.drift import run_drift

        return run_drift(resolve(args), args.api_docs, args.out)
    if args.command == "learn":
        from conformance.calibrate.learn import run_learn

        return run_learn(resolve(args), args.out)
    if args.command == "proxy":
        from conformance.proxy.command import run as run_proxy

        return run_proxy(resolve(args), args.listen, args.record)
    if args.command == "check":
        return _check(args)
    if args.command == "token":
        from conformance.run.login import print_token

        return print_token(resolve(args), show=args.show)

    if args.command == "certify":
        return _certify(args)
    if args.command == "certify-client":
        from conformance.testbed import command as testbed_command

        return testbed_command.run(args)
    if getattr(args, "fleet", None):
        from conformance.run.fleet import run_fleet_command

        return run_fleet_command(args)

    from conformance.reporting.baseline import check_writable, load_baseline
    from conformance.run.runner import execute, workflow_ids
    from conformance.run.target import embedded_config

    plan = plan_from_arguments(args, workflow_ids)
    settings = resolve(args)
    if settings.target is None:
        embedded_config(settings)  # a name the emulator does not play: before the run starts
    plan = replace(
        plan,
        record=Path(args.record).expanduser().absolute() if args.record else None,
        baseline=load_baseline(args.baseline) if args.baseline else None,
        write_baseline=check_writable(args.write_baseline) if args.write_baseline else None,
    )
    if args.dry_run:
        from conformance.run.dry_run import dry_run

        return dry_run(settings, plan)
    return execute(settings, plan)


def _check(args: argparse.Namespace) -> int:
    overlays = tuple(Path(o) for o in getattr(args, "overlays", ()))
    out = Path(args.out) if args.out else None
    if (args.har is None) == (args.client is None):
        raise UsageError("check: give FILE.har (the appliance's answers) or --client FILE.har")
    if args.client is not None:
        from conformance.client.har import run_check_client

        return run_check_client(Path(args.client), out, overlays=overlays, strict=args.strict)
    from conformance.reporting.har_check import run_check

    return run_check(Path(args.har), out, overlays=overlays, strict=args.strict)


def _certify(args: argparse.Namespace) -> int:
    from conformance.certify import sealed_run

    if args.keygen:
        return sealed_run.keygen(args.keygen)
    if args.verify:
        return sealed_run.verify(args.verify, args.key)
    if not args.out:
        raise UsageError("certify: give --out DIR (or --verify DIR, or --keygen PREFIX)")
    if args.key:
        raise UsageError("certify: --key goes with --verify; sign with --sign KEY")
    return sealed_run.certify(
        resolve(args), args.out, args.sign, args.workers, replay=sealed_run.replay_of(args)
    )


if __name__ == "__main__":
    sys.exit(main())
