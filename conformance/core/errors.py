"""Exit codes and the errors that map onto them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every command; users' scripts rely on them."""

    CONFORMANT = 0
    FAILURES = 1
    USAGE = 2
    INFRASTRUCTURE = 3


class HarnessError(Exception):
    """An error that ends a command with a one-line message and an exit code."""

    exit_code: ExitCode = ExitCode.INFRASTRUCTURE


class ConfigError(HarnessError):
    """Bad flags, environment or configuration file."""

    exit_code = ExitCode.USAGE


class TargetUnreachable(HarnessError):
    """The appliance (or vCenter) cannot be reached or refuses the credentials."""

    exit_code = ExitCode.INFRASTRUCTURE
