"""One error tree: each error's exit code says who is to blame."""

from __future__ import annotations

import pytest

from conformance.cli import main
from conformance.core.errors import (
    ConformanceFailure,
    ExitCode,
    InfrastructureError,
    TargetUnreachable,
    UsageError,
)
from conformance.emulator import EmulatorConfig
from conformance.scenarios.arazzo.failures import StepFailure
from conformance.scenarios.failures import ScenarioDocumentError, WorkflowFailure

pytestmark = pytest.mark.unit


def test_each_culprit_has_its_exit_code() -> None:
    assert UsageError("x").exit_code == ExitCode.USAGE
    assert TargetUnreachable("x").exit_code == ExitCode.INFRASTRUCTURE
    assert isinstance(TargetUnreachable("x"), InfrastructureError)
    assert ConformanceFailure("x").exit_code == ExitCode.FAILURES
    assert isinstance(ScenarioDocumentError("x"), UsageError)


def test_a_failed_step_is_a_conformance_failure_not_an_infrastructure_error() -> None:
    step = StepFailure("restoreVm", "waitForRestore", "successCriteria", "got 409")
    failure = WorkflowFailure(step)
    assert failure.failure is step
    assert isinstance(failure, ConformanceFailure) and isinstance(failure, AssertionError)
    assert not isinstance(failure, InfrastructureError)
    assert failure.exit_code == ExitCode.FAILURES
    assert str(failure) == "restoreVm/waitForRestore: got 409"


def test_the_emulators_bad_settings_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UsageError, match="unknown fault"):
        EmulatorConfig(fault="no-such-fault").validate()
    assert main(["emulate", "--fault", "no-such-fault"]) == ExitCode.USAGE
    assert "unknown fault" in capsys.readouterr().err
