"""Operation handlers, one module per contract tag; importing this registers them all."""

from conformance.emulator.handlers import (  # noqa: F401
    audit,
    datastores,
    jobs,
    login,
    policies,
    reports,
    resource_groups,
    schedules,
    storage,
    vm,
)
from conformance.emulator.handlers.registry import HANDLERS, Context, Handler, Result, operation

__all__ = ["HANDLERS", "Context", "Handler", "Result", "operation"]
