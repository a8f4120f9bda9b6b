"""The options of `run`, `fuzz` and `scenarios` that say what runs, and the run plan they
make.

``--only NAME`` means one thing everywhere: NAME is a suite (``fuzz``, ``scenarios``) or a
workflowId, and the run keeps only what is named (a workflowId keeps the scenarios suite
with the named workflows). Operations and checks are narrowed with the ``st run`` style
filters (``--include-operation-id`` ...) and ``--checks``.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Sequence

from conformance.core.errors import UsageError
from conformance.core.help_sections import section
from conformance.core.option_table import add_option, add_options
from conformance.core.selection import add_filter_arguments, selection_from_arguments
from conformance.emulator.conditions import CONDITIONS
from conformance.emulator.faults import FAULTS
from conformance.emulator.releases import VARIANTS
from conformance.http.redaction import REDACTED, is_secret_header
from conformance.run.plan import PROFILES, REPORT_FORMATS, SUITE_NAMES, RunPlan

#: The suites each command may run.
COMMAND_SUITES = {
    "run": SUITE_NAMES,
    "fuzz": ("fuzz",),
    "scenarios": ("scenarios",),
}
#: The most pytest-xdist workers, or fleet targets at once: far above two per core.
MAX_PROCESSES = 64
#: The most of anything else counted (--max-failures).
MAX_COUNT = 10**9
#: Options that do not change what a run does: left out of its replay line.
NOT_REPLAYED = frozenset(
    {"help", "password", "report_dir", "seed", "dry_run", "command_parser", "record"}
    | {"write_baseline", "fleet", "fleet_concurrency", "report", "no_color"}
)


def add_run_options(parser: argparse.ArgumentParser, command: str) -> None:
    """The options of ``command`` (run, fuzz or scenarios) besides the target's."""
    suites = COMMAND_SUITES[command]
    add_options(
        parser,
        "emulator",
        helps={
            "faults": "deviate on purpose, so the run fails on it (repeatable); one of: "
            + ", ".join(FAULTS),
            "conditions": "play legitimate behaviour a client must survive (repeatable); "
            "one of: " + ", ".join(CONDITIONS),
            "release_variant": "play a later release with documented changes; one of: "
            + ", ".join(VARIANTS),
        },
    )
    selecting = section(parser, "selection")
    limiting = section(parser, "limits")
    if "fuzz" in suites:
        selecting.add_argument(
            "--profile",
            choices=PROFILES,
            default="smoke",
            help="fuzzing depth; smoke: a quick check, full: the nightly depth (default: smoke)",
        )
    if "scenarios" in suites:
        kinds = "a suite (fuzz, scenarios) or a workflowId" if command == "run" else "a workflowId"
        selecting.add_argument(
            "--only",
            action="append",
            default=argparse.SUPPRESS,
            metavar="NAME",
            help=f"run only NAME: {kinds} (repeatable)",
        )
        add_option(parser, "job_timeout")
    if "fuzz" in suites:
        add_filter_arguments(parser)
    limiting.add_argument(
        "--max-failures",
        type=at_least_one,
        default=None,
        metavar="N",
        help="stop after N failed or broken tests",
    )
    limiting.add_argument(
        "-x",
        "--exitfirst",
        dest="max_failures",
        action="store_const",
        const=1,
        help="stop at the first failure (--max-failures 1)",
    )
    section(parser, "safety").add_argument(
        "--dry-run",
        action="store_true",
        default=False,
        help="list what would run and what would be skipped, and why; send no request",
    )
    reporting = section(parser, "reports")
    reporting.add_argument(
        "--report",
        action="append",
        default=argparse.SUPPRESS,
        metavar="FORMAT,...",
        help="as st run's: junit, allure and json (summary.json) are always written; "
        "har: every exchange into the run folder as exchanges.har; html: the Allure HTML "
        "report at the end (comma-separated, repeatable)",
    )
    reporting.add_argument(
        "--no-color",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no colours on the console (as NO_COLOR=1)",
    )
    if command == "run":
        limiting.add_argument(
            "--workers",
            type=processes,
            default=None,
            metavar="N",
            help="parallel pytest-xdist workers (default: one process)",
        )
    parser.set_defaults(command_parser=parser)


def plan_from_arguments(
    args: argparse.Namespace, workflow_ids: Sequence[str] | Callable[[], Sequence[str]]
) -> RunPlan:
    """The run plan the parsed command line of `run`, `fuzz` or `scenarios` asks for.

    ``workflow_ids``: the workflows ``--only`` may name, or what lists them (reading every
    workflow file takes a second: only when ``--only`` names something that is no suite).
    """
    listed: list[Sequence[str]] = []

    def known() -> Sequence[str]:
        if not listed:
            listed.append(workflow_ids() if callable(workflow_ids) else workflow_ids)
        return listed[0]

    allowed = COMMAND_SUITES[args.command]
    named_suites: list[str] = []
    workflows: list[str] = []
    for name in getattr(args, "only", None) or ():
        if name in allowed:
            named_suites.append(name)
        elif name in COMMAND_SUITES["run"]:
            raise UsageError(f"--only: `{args.command}` does not run the {name} suite")
        elif name in known():
            workflows.append(name)
        else:
            choices = ", ".join([*allowed, *known()]) if args.command == "run" else None
            raise UsageError(
                f"--only: no suite or workflow {name!r}; choose from "
                f"{choices or ', '.join(known())}"
            )
    if workflows and "scenarios" not in named_suites:
        named_suites.append("scenarios")
    suites = tuple(s for s in allowed if s in named_suites) or allowed
    return RunPlan(
        suites=suites,
        profile=getattr(args, "profile", None) or "smoke",
        workers=getattr(args, "workers", None),
        selection=selection_from_arguments(args, workflows),
        max_failures=args.max_failures,
        reports=report_formats(getattr(args, "report", None)),
        replay=replay_words(args) if getattr(args, "command_parser", None) else (),
    )


def report_formats(values: Sequence[str] | None) -> tuple[str, ...]:
    """``--report junit,html`` -> ("junit", "html"); a format of ``st run``'s that the
    harness does not write is a usage error naming what it writes instead."""
    listed = [f.strip().lower() for value in values or () for f in value.split(",")]
    formats = tuple(dict.fromkeys(f for f in listed if f))
    for name in formats:
        if name not in REPORT_FORMATS:
            raise UsageError(
                f"--report: scv-conformance does not write {name!r}; it writes "
                f'{", ".join(REPORT_FORMATS)} (docs/real-appliance.md, "Coming from st run")'
            )
    return formats


def replay_words(args: argparse.Namespace) -> tuple[str, ...]:
    """The command line that does the same run again, derived from the parsed arguments:
    the subcommand and every option that changes what runs (not the seed, which the run
    adds, nor the password or where reports go)."""
    words = ["scv-conformance", args.command]
    for flag, value in option_words(args, NOT_REPLAYED):
        words.append(flag)
        if value is not None:
            words.append(shlex.quote(shown_value(flag, value)))
    return tuple(words)


def option_words(
    args: argparse.Namespace, leave_out: frozenset[str]
) -> list[tuple[str, str | None]]:
    """The options given on the parsed command line as (flag, value) pairs, value None for
    a switch; options whose destination is in ``leave_out`` are left out."""
    parser: argparse.ArgumentParser = args.command_parser
    words: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    # argparse offers no public list of a parser's options
    for action in parser._actions:
        dest = action.dest
        if not action.option_strings or dest in leave_out or dest in seen:
            continue
        value = getattr(args, dest, None)
        if value is None or value == action.default:
            continue
        if isinstance(action, argparse.BooleanOptionalAction):
            seen.add(dest)
            positive = action.option_strings[0]
            words.append((positive if value else f"--no-{positive[2:]}", None))
            continue
        if value is False:
            continue
        seen.add(dest)
        flag = max(action.option_strings, key=len)
        if isinstance(value, list):
            words += [(flag, str(item)) for item in value]
        elif action.nargs == 0:
            words.append((flag, None))
        else:
            words.append((flag, str(value)))
    return words


def shown_value(flag: str, value: str) -> str:
    """A header whose name looks secret keeps its name, not its value."""
    name, colon, _ = value.partition(":")
    if flag == "--header" and colon and is_secret_header(name.strip()):
        return f"{name.strip()}: {REDACTED}"
    return value


def at_least_one(value: str) -> int:
    """An argparse type: a whole number of at least 1."""
    return _whole(value, MAX_COUNT)


def processes(value: str) -> int:
    """An argparse type: a number of processes, 1 to :data:`MAX_PROCESSES`."""
    return _whole(value, MAX_PROCESSES)


def _whole(value: str, maximum: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    if number > maximum:
        raise argparse.ArgumentTypeError(f"must be at most {maximum}")
    return number
