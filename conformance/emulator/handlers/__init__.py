"""Operation handlers, one module per contract tag (``registration`` holds the vcenter tag's:
the name ``vcenter`` is the emulated vCenter's); importing this registers them all."""

from conformance.emulator.handlers import (  # noqa: F401
    audit,
    configuration,
    datastores,
    jobs,
    login,
    policies,
    registration,
    reports,
    resource_groups,
    schedules,
    storage,
    vm,
)
from conformance.emulator.handlers.registry import HANDLERS, Context, Handler, Result, operation

__all__ = ["HANDLERS", "Context", "Handler", "Result", "operation"]
