"""What a run selects: workflows, operations by id, tag, path or method, and checks.

The parent resolves the command line into a :class:`Selection` and writes it into the run
manifest; the child deselects what it leaves out. Filters follow schemathesis' ``st run``:
values of one filter are alternatives (any may match), different filters must all hold,
and an exclusion wins over an inclusion. Operations a filter leaves out are not run and
not reported; the stateful walk moves among the selected operations only.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from conformance.contract.spec import Operation
from conformance.core.errors import UsageError
from conformance.core.help_sections import section

#: Filter kind -> the values of an operation it matches against (``name`` is st run's
#: operation name, ``GET /4.1/jobs``).
FILTER_KINDS: dict[str, Callable[[Operation], list[str]]] = {
    "operation_id": lambda op: [op.operation_id],
    "tag": lambda op: [str(t) for t in op.definition.get("tags") or []],
    "path": lambda op: [op.path],
    "method": lambda op: [op.method.upper()],
    "name": lambda op: [f"{op.method.upper()} {op.path}"],
}
#: The phases of the fuzzing engine, in the order it runs them (``--phases``).
PHASES = ("examples", "coverage", "fuzzing", "stateful")
#: What the fuzzing engine generates (``--mode``): valid requests, invalid ones, or both.
MODES = ("positive", "negative", "all")
#: ``--checks all``: every check (as no ``--checks``).
ALL_CHECKS = "all"


@dataclass(frozen=True)
class Selection:
    """The part of the suites a run runs; empty fields select everything."""

    workflows: tuple[str, ...] = ()
    include_operation_id: tuple[str, ...] = ()
    exclude_operation_id: tuple[str, ...] = ()
    include_tag: tuple[str, ...] = ()
    exclude_tag: tuple[str, ...] = ()
    include_path: tuple[str, ...] = ()
    exclude_path: tuple[str, ...] = ()
    include_method: tuple[str, ...] = ()
    exclude_method: tuple[str, ...] = ()
    include_name: tuple[str, ...] = ()
    exclude_name: tuple[str, ...] = ()
    include_operation_id_regex: tuple[str, ...] = ()
    exclude_operation_id_regex: tuple[str, ...] = ()
    include_tag_regex: tuple[str, ...] = ()
    exclude_tag_regex: tuple[str, ...] = ()
    include_path_regex: tuple[str, ...] = ()
    exclude_path_regex: tuple[str, ...] = ()
    include_method_regex: tuple[str, ...] = ()
    exclude_method_regex: tuple[str, ...] = ()
    include_name_regex: tuple[str, ...] = ()
    exclude_name_regex: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    exclude_checks: tuple[str, ...] = ()
    #: The fuzzing engine's phases (``--phases``); empty: the profile's.
    phases: tuple[str, ...] = ()
    #: What the fuzzing engine generates (``--mode``, one of :data:`MODES`); empty: all.
    mode: tuple[str, ...] = ()

    def why_not(self, operation: Operation) -> str | None:
        """Why the filters leave ``operation`` out, or None when it is selected."""
        for kind, values_of in FILTER_KINDS.items():
            values = set(values_of(operation))
            flag = kind.replace("_", "-")
            included = self._values("include", kind)
            if included and not values & included:
                return f"not matched by --include-{flag}"
            patterns = self._patterns("include", kind)
            if patterns and not any(p.search(v) for p in patterns for v in values):
                return f"not matched by --include-{flag}-regex"
            if values & self._values("exclude", kind):
                return f"matched by --exclude-{flag}"
            if any(p.search(v) for p in self._patterns("exclude", kind) for v in values):
                return f"matched by --exclude-{flag}-regex"
        return None

    def selects_operation(self, operation: Operation) -> bool:
        return self.why_not(operation) is None

    def selects_check(self, check: str) -> bool:
        return (not self.checks or check in self.checks) and check not in self.exclude_checks

    def selects_workflow(self, workflow_id: str) -> bool:
        return not self.workflows or workflow_id in self.workflows

    @property
    def generation_mode(self) -> str:
        """What the fuzzing engine generates: ``positive``, ``negative`` or ``all``."""
        return self.mode[0] if self.mode else "all"

    def _values(self, way: str, kind: str) -> set[str]:
        values: tuple[str, ...] = getattr(self, f"{way}_{kind}")
        if kind == "method":
            return {v.upper() for v in values}
        if kind == "name":
            return {_name(v) for v in values}
        return set(values)

    def _patterns(self, way: str, kind: str) -> list[re.Pattern[str]]:
        # methods match regardless of case, as in st run
        flags = re.IGNORECASE if kind == "method" else 0
        patterns: tuple[str, ...] = getattr(self, f"{way}_{kind}_regex")
        return [re.compile(p, flags) for p in patterns]

    def validate(self, operations: Sequence[Operation]) -> None:
        """UsageError for a filter value that matches no operation: a typo must not narrow
        a run to nothing silently. (Check names are checked where the checks are known, in
        the fuzzing suite's process.)"""
        for kind, values_of in FILTER_KINDS.items():
            known = {v for op in operations for v in values_of(op)}
            for way in ("include", "exclude"):
                flag = f"--{way}-{kind.replace('_', '-')}"
                for value in self._values(way, kind):
                    if value not in known:
                        raise UsageError(f"{flag}: no operation has {value!r}")
                for raw in getattr(self, f"{way}_{kind}_regex"):
                    try:
                        pattern = re.compile(raw, re.IGNORECASE if kind == "method" else 0)
                    except re.error as exc:
                        raise UsageError(f"{flag}-regex: not a regular expression: {exc}") from None
                    if not any(pattern.search(v) for v in known):
                        raise UsageError(f"{flag}-regex: no operation matches {raw!r}")
        for phase in self.phases:
            if phase not in PHASES:
                raise UsageError(f"--phases: no phase {phase!r}; choose from {', '.join(PHASES)}")
        if len(self.mode) > 1 or (self.mode and self.mode[0] not in MODES):
            raise UsageError(f"--mode: choose {', '.join(MODES)}, not {','.join(self.mode)!r}")
        if not any(self.selects_operation(op) for op in operations):
            raise UsageError("the operation filters leave no operation to run")

    def unknown_check(self, known: Iterable[str]) -> str | None:
        """The first ``--checks`` or ``--exclude-checks`` name not among ``known``, or None."""
        names = set(known)
        return next((c for c in (*self.checks, *self.exclude_checks) if c not in names), None)

    def check_flag(self, check: str) -> str:
        """The flag that named ``check``: ``--checks`` or ``--exclude-checks``."""
        return "--checks" if check in self.checks else "--exclude-checks"

    def to_dict(self) -> dict[str, list[str]]:
        return {name: list(value) for name, value in asdict(self).items() if value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Selection:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown selection fields: {', '.join(sorted(unknown))}")
        return cls(**{name: tuple(str(v) for v in values) for name, values in data.items()})


def _name(value: str) -> str:
    """``get /4.1/jobs`` -> ``GET /4.1/jobs``: the method of an operation name in capitals."""
    method, _, path = value.strip().partition(" ")
    return f"{method.upper()} {path.strip()}"


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """The operation filters of ``st run`` (``--include-*``/``--exclude-*``, each also as
    ``-regex``), ``-c/--checks``, ``--exclude-checks``, ``--phases`` and ``-m/--mode``."""
    selecting = section(parser, "selection")
    for kind in FILTER_KINDS:
        flag = kind.replace("_", "-")
        what = "name (METHOD /path)" if kind == "name" else flag.replace("-", " ")
        for way, verb in (("include", "run only"), ("exclude", "leave out")):
            selecting.add_argument(
                f"--{way}-{flag}",
                action="append",
                default=argparse.SUPPRESS,
                metavar=flag.upper().replace("OPERATION-ID", "ID"),
                help=f"fuzzing: {verb} the operations with this {what} (repeatable; "
                f"--{way}-{flag}-regex PATTERN: whose {what} the regular expression matches)",
            )
    for kind in FILTER_KINDS:
        flag = kind.replace("_", "-")
        for way in ("include", "exclude"):
            selecting.add_argument(
                f"--{way}-{flag}-regex",
                action="append",
                default=argparse.SUPPRESS,
                metavar="PATTERN",
                help=argparse.SUPPRESS,
            )
    selecting.add_argument(
        "-c",
        "--checks",
        default=argparse.SUPPRESS,
        metavar="CHECK,...",
        help="fuzzing: run only these checks (comma-separated; all, the default: every check)",
    )
    selecting.add_argument(
        "--exclude-checks",
        default=argparse.SUPPRESS,
        metavar="CHECK,...",
        help="fuzzing: leave out these checks (comma-separated)",
    )
    selecting.add_argument(
        "--phases",
        default=argparse.SUPPRESS,
        metavar="PHASE,...",
        help=f"fuzzing: the engine's phases to run, of {', '.join(PHASES)} "
        "(comma-separated; default: the profile's)",
    )
    selecting.add_argument(
        "-m",
        "--mode",
        choices=MODES,
        default=argparse.SUPPRESS,
        help="fuzzing: generate valid requests (positive), invalid ones (negative) or both "
        "(all, the default)",
    )


def selection_from_arguments(args: argparse.Namespace, workflows: Sequence[str] = ()) -> Selection:
    """The selection the parsed command line asks for (``workflows``: resolved ``--only``)."""
    values: dict[str, tuple[str, ...]] = {"workflows": tuple(workflows)}
    for kind in FILTER_KINDS:
        for way in ("include", "exclude"):
            name = f"{way}_{kind}"
            values[name] = tuple(getattr(args, name, None) or ())
        for way in ("include", "exclude"):
            name = f"{way}_{kind}_regex"
            values[name] = tuple(getattr(args, name, None) or ())
    checks = _listed(getattr(args, "checks", None))
    values["checks"] = () if ALL_CHECKS in checks else checks
    values["exclude_checks"] = _listed(getattr(args, "exclude_checks", None))
    phases = _listed(getattr(args, "phases", None))
    values["phases"] = tuple(p for p in PHASES if p in phases) + tuple(
        p for p in phases if p not in PHASES
    )
    mode = getattr(args, "mode", None)
    values["mode"] = (mode,) if mode else ()
    return Selection(**values)


def _listed(value: Any) -> tuple[str, ...]:
    """``"a, b,"`` -> ("a", "b")."""
    return tuple(v.strip() for v in str(value or "").split(",") if v.strip())
