"""Exit codes and the errors that map onto them, by who is to blame.

The tree::

    HarnessError                  an error that ends a command or a test with one line
    ├── UsageError             2  the tool was misused: flags, environment, config file,
    │                             a scenario document, a run manifest
    ├── InfrastructureError    3  the run could not judge the target
    │   ├── TargetUnreachable  3  the appliance or vCenter cannot be reached or refuses
    │   │                         the credentials
    │   └── PreflightFailed    3  reached, but no run can judge it: TLS not verified,
    │                             credentials refused, not an SCV appliance
    └── ConformanceFailure     1  the appliance answered wrongly (also an AssertionError,
                                  so pytest and Allure count it as failed, not broken)

A deviation (the appliance contradicts only an assumption of ours) is no error: the test
passes and carries it as a finding (``conformance.contract.deviation``); exit 0, 1 under --strict.

A workflow step that fails (``conformance.scenarios.failures.StepFailure``) is a
ConformanceFailure.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every command; users' scripts rely on them."""

    CONFORMANT = 0
    FAILURES = 1
    USAGE = 2
    INFRASTRUCTURE = 3


#: What each exit code means, as the README's table and every command's help say it.
EXIT_CODE_MEANINGS: dict[int, str] = {
    ExitCode.CONFORMANT: "conformant (deviations from our assumptions alone included, "
    "unless --strict)",
    ExitCode.FAILURES: "conformance failures found (under --strict, deviations too)",
    ExitCode.USAGE: "usage or configuration error",
    ExitCode.INFRASTRUCTURE: "target unreachable, or another infrastructure error "
    "(also a run interrupted or ended by --max-time, or an appliance another destructive "
    "run holds)",
}


class HarnessError(Exception):
    """An error that ends a command with a one-line message and an exit code."""

    exit_code: ExitCode = ExitCode.INFRASTRUCTURE


class UsageError(HarnessError):
    """Bad flags, environment, configuration file or input document."""

    exit_code = ExitCode.USAGE


class InfrastructureError(HarnessError):
    """The run could not judge the target: unreachable, timed out, harness trouble."""

    exit_code = ExitCode.INFRASTRUCTURE


class TargetUnreachable(InfrastructureError):
    """The appliance (or vCenter) cannot be reached or refuses the credentials."""


class PreflightFailed(InfrastructureError):
    """The preflight stopped the run before it started; ``check`` names what failed."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(message)
        self.check = check


class ConformanceFailure(HarnessError, AssertionError):
    """The appliance answered in a way its documentation does not allow."""

    exit_code = ExitCode.FAILURES
