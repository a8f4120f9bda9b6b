"""Operation handlers, one module per contract tag; importing this registers them all."""

from conformance.emulator.handlers import (  # noqa: F401
    audit,
    configuration,
    datastores,
    jobs,
    login,
    policies,
    reports,
    resource_groups,
    schedules,
    storage,
    vcenter,
    vm,
)
from conformance.emulator.handlers.registry import HANDLERS, Context, Handler, Result, operation

__all__ = ["HANDLERS", "Context", "Handler", "Result", "operation"]
