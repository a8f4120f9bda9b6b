"""The pytest collection tree: contract file -> operation (or stateful) -> one item per check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.child.context import get_context
from conformance.child.skips import skip_item
from conformance.contract import deviation
from conformance.contract.spec import Operation
from conformance.core.errors import ConformanceFailure, InfrastructureError
from conformance.core.item_keys import STATEFUL, TIME_SPAN
from conformance.core.skips import Skip, SkipKind
from conformance.fuzz import allure_report
from conformance.fuzz.checks import RESPONSE_CHECKS
from conformance.fuzz.outcome import judge
from conformance.fuzz.probes import PROBE_CHECKS
from conformance.fuzz.st_internals import CHECKS, load_all_checks
from conformance.fuzz.state import fuzz_suite, profile_of
from conformance.fuzz.stateful_checks import LINKED_RESOURCE


def builtin_checks() -> list[str]:
    """Every check schemathesis ships (the SCV ones excluded), in its order."""
    load_all_checks()
    names = [getattr(c, "__name__", str(c)) for c in CHECKS.get_all()]
    return [n for n in names if not n.startswith("scv_")]


def stateful_only() -> list[str]:
    return [LINKED_RESOURCE]


def operation_checks() -> list[str]:
    return [*builtin_checks(), *RESPONSE_CHECKS, *PROBE_CHECKS]


def stateful_checks() -> list[str]:
    return [*builtin_checks(), *RESPONSE_CHECKS, *stateful_only()]


class ContractFile(pytest.File):
    """The contract: one collector per operation, plus the stateful walk."""

    def collect(self) -> Iterator[pytest.Collector]:
        context = get_context(self.config)
        for operation in context.contract.operations:
            yield OperationNode.from_parent(self, name=operation.operation_id, operation=operation)
        if profile_of(self.config).stateful:
            yield StatefulNode.from_parent(self, name=STATEFUL)


class OperationNode(pytest.Collector):
    """One operation of the contract."""

    def __init__(self, *, operation: Operation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.operation = operation

    def collect(self) -> Iterator[pytest.Item]:
        context = get_context(self.config)
        skip = context.skip(self.operation)
        for check in operation_checks():
            if check in PROBE_CHECKS and self.operation.operation_id == "login":
                continue  # login is the one call without a token; the probes don't apply
            yield CheckItem.from_parent(
                self, name=check, check=check, operation=self.operation, skip=skip
            )


class StatefulNode(pytest.Collector):
    """Walks along the contract's links, judged per check."""

    def collect(self) -> Iterator[pytest.Item]:
        for check in stateful_checks():
            yield CheckItem.from_parent(self, name=check, check=check, operation=None, skip=None)


class CheckItem(pytest.Item):
    """One check of one operation (or of the stateful walk)."""

    def __init__(
        self, *, check: str, operation: Operation | None, skip: Skip | None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.operation = operation
        self.skip = skip
        self.subject = operation.operation_id if operation else STATEFUL
        self.add_marker(pytest.mark.xdist_group(self.subject))
        self.user_properties += [
            ("suite", "fuzz"),
            ("operationId", self.subject),
            ("check", check),
        ]

    def runtest(self) -> None:
        suite = None if self.skip else fuzz_suite(self.config)
        self._describe(suite.seed if suite else None)
        if self.skip:
            skip_item(self, self.skip)
        assert suite is not None
        result = suite.operation_result(self.subject) if self.operation else suite.stateful_result()
        judgement = judge(self.subject, self.check, result)
        self.user_properties.append(("cases", result.cases))
        verdict = result.verdicts.get(self.check)
        if verdict is not None and verdict.started is not None and verdict.finished is not None:
            # the engine ran every check of the operation at once: the report shows when
            # this check's own cases ran, not when this item read the verdict
            self.user_properties += [
                (TIME_SPAN[0], int(verdict.started * 1000)),
                (TIME_SPAN[1], int(verdict.finished * 1000)),
            ]
        if judgement.status == "failed":
            self.user_properties += [
                ("reproduce", judgement.reproduce),
                ("message", judgement.message),
            ]
            if judgement.verdict is not None:
                allure_report.attach_failures(judgement.verdict)
            raise ConformanceFailure(judgement.message)
        if judgement.status == "deviation":
            self.user_properties += [
                (deviation.VERDICT_PROPERTY, deviation.DEVIATION),
                (deviation.MESSAGE_PROPERTY, judgement.message),
                ("reproduce", judgement.reproduce),
            ]
            if judgement.verdict is not None:
                allure_report.mark_deviation(judgement.message, judgement.verdict)
            if get_context(self.config).strict:
                raise ConformanceFailure(deviation.tagged(judgement.message))
            return
        if judgement.status == "broken":
            self.user_properties.append(("message", judgement.message))
            raise InfrastructureError(judgement.message)
        if judgement.status == "not_applicable":
            skip_item(self, Skip(SkipKind.NOT_APPLICABLE, judgement.message))

    def _describe(self, seed: int | None) -> None:
        operation = self.operation
        feature = (operation.definition.get("tags") or ["untagged"])[0] if operation else STATEFUL
        parameters = {
            "operationId": self.subject,
            "check": self.check,
            "profile": profile_of(self.config).name,
        }
        if operation is not None:
            parameters["request"] = f"{operation.method.upper()} {operation.path}"
        if seed is not None:
            parameters["seed"] = str(seed)
        allure_report.describe(self.subject, self.check, feature, parameters)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, ConformanceFailure | InfrastructureError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.subject}: {self.check}"
