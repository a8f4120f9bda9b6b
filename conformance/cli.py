"""The `scv-conformance` command: emulate, fuzz, scenarios, run, report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from conformance import __version__
from conformance.core.errors import ExitCode, HarnessError
from conformance.core.settings import add_target_arguments, resolve
from conformance.run.options import add_run_options, plan_from_arguments


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

    emulate = commands.add_parser("emulate", help="serve the emulated appliance")
    from conformance.emulator import cli as emulator_cli

    emulator_cli.add_arguments(emulate)

    fuzz = commands.add_parser("fuzz", help="property-based tests of every operation")
    add_target_arguments(fuzz)
    add_run_options(fuzz, "fuzz")

    scenarios = commands.add_parser("scenarios", help="replay the documented workflows")
    add_target_arguments(scenarios)
    add_run_options(scenarios, "scenarios")

    run = commands.add_parser("run", help="fuzzing and scenarios, with every report")
    add_target_arguments(run)
    add_run_options(run, "run")

    diff = commands.add_parser(
        "diff", help="what changed between two runs (before and after an upgrade)"
    )
    diff.add_argument("before", metavar="BEFORE", help="the earlier run folder or summary.json")
    diff.add_argument("after", metavar="AFTER", help="the later run folder or summary.json")

    report = commands.add_parser("report", help="turn a run's results into the Allure HTML report")
    report.add_argument(
        "run_dir",
        nargs="?",
        default=None,
        metavar="RUN_DIR",
        help="a run folder (default: the latest under --report-dir)",
    )
    report.add_argument(
        "--report-dir",
        default="reports",
        metavar="DIR",
        help="where runs are written (default: reports)",
    )
    return parser


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


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "emulate":
        from conformance.emulator import cli as emulator_cli

        return emulator_cli.run(args)
    if args.command == "diff":
        from conformance.reporting.diff import run_diff

        return run_diff(args.before, args.after)
    if args.command == "report":
        from conformance.reporting.html import build_report

        return build_report(args.run_dir, args.report_dir)

    from conformance.run.runner import execute, workflow_ids

    plan = plan_from_arguments(args, workflow_ids())
    settings = resolve(args)
    if args.dry_run:
        from conformance.run.dry_run import dry_run

        return dry_run(settings, plan)
    return execute(settings, plan)


if __name__ == "__main__":
    sys.exit(main())
