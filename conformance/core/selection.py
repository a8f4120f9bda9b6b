"""What a run selects: workflows, operations by id, tag, path or method, and checks.

The parent resolves the command line into a :class:`Selection` and writes it into the run
manifest; the child deselects what it leaves out. Filters follow schemathesis' ``st run``:
values of one filter are alternatives (any may match), different filters must all hold,
and an exclusion wins over an inclusion. Operations a filter leaves out are not run and
not reported; the stateful walk moves among the selected operations only.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from conformance.contract.spec import Operation
from conformance.core.errors import UsageError
from conformance.core.help_sections import section

#: Filter kind -> the values of an operation it matches against.
FILTER_KINDS: dict[str, Callable[[Operation], list[str]]] = {
    "operation_id": lambda op: [op.operation_id],
    "tag": lambda op: [str(t) for t in op.definition.get("tags") or []],
    "path": lambda op: [op.path],
    "method": lambda op: [op.method.upper()],
}


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
    checks: tuple[str, ...] = ()

    def why_not(self, operation: Operation) -> str | None:
        """Why the filters leave ``operation`` out, or None when it is selected."""
        for kind, values_of in FILTER_KINDS.items():
            values = set(values_of(operation))
            included = self._values("include", kind)
            excluded = self._values("exclude", kind)
            flag = kind.replace("_", "-")
            if included and not values & included:
                return f"not matched by --include-{flag}"
            if values & excluded:
                return f"matched by --exclude-{flag}"
        return None

    def selects_operation(self, operation: Operation) -> bool:
        return self.why_not(operation) is None

    def selects_check(self, check: str) -> bool:
        return not self.checks or check in self.checks

    def selects_workflow(self, workflow_id: str) -> bool:
        return not self.workflows or workflow_id in self.workflows

    def _values(self, way: str, kind: str) -> set[str]:
        values: tuple[str, ...] = getattr(self, f"{way}_{kind}")
        return {v.upper() for v in values} if kind == "method" else set(values)

    def validate(self, operations: Sequence[Operation]) -> None:
        """UsageError for a filter value that matches no operation: a typo must not narrow
        a run to nothing silently. (Check names are checked where the checks are known, in
        the fuzzing suite's process.)"""
        for kind, values_of in FILTER_KINDS.items():
            known = {v for op in operations for v in values_of(op)}
            for way in ("include", "exclude"):
                for value in self._values(way, kind):
                    if value not in known:
                        flag = f"--{way}-{kind.replace('_', '-')}"
                        raise UsageError(f"{flag}: no operation has {value!r}")
        if not any(self.selects_operation(op) for op in operations):
            raise UsageError("the operation filters leave no operation to run")

    def unknown_check(self, known: Iterable[str]) -> str | None:
        """The first ``--checks`` name not among ``known``, or None."""
        names = set(known)
        return next((c for c in self.checks if c not in names), None)

    def to_dict(self) -> dict[str, list[str]]:
        return {name: list(value) for name, value in asdict(self).items() if value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Selection:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown selection fields: {', '.join(sorted(unknown))}")
        return cls(**{name: tuple(str(v) for v in values) for name, values in data.items()})


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """``--include-*``/``--exclude-*`` (as in ``st run``) and ``--checks``."""
    selecting = section(parser, "selection")
    for kind in FILTER_KINDS:
        flag = kind.replace("_", "-")
        for way, verb in (("include", "run only"), ("exclude", "leave out")):
            selecting.add_argument(
                f"--{way}-{flag}",
                action="append",
                default=argparse.SUPPRESS,
                metavar=flag.upper().replace("OPERATION-ID", "ID"),
                help=f"fuzzing: {verb} the operations with this {flag.replace('-', ' ')} "
                "(repeatable)",
            )
    selecting.add_argument(
        "--checks",
        default=argparse.SUPPRESS,
        metavar="CHECK,...",
        help="fuzzing: run only these checks (comma-separated; default: every check)",
    )


def selection_from_arguments(args: argparse.Namespace, workflows: Sequence[str] = ()) -> Selection:
    """The selection the parsed command line asks for (``workflows``: resolved ``--only``)."""
    values: dict[str, tuple[str, ...]] = {"workflows": tuple(workflows)}
    for kind in FILTER_KINDS:
        for way in ("include", "exclude"):
            name = f"{way}_{kind}"
            values[name] = tuple(getattr(args, name, None) or ())
    checks = getattr(args, "checks", None)
    if checks:
        values["checks"] = tuple(c.strip() for c in str(checks).split(",") if c.strip())
    return Selection(**values)
