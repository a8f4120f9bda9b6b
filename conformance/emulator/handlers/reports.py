"""Handlers of the reports tag: VMs protected (or not) in the last seven days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conformance.emulator.clock import iso
from conformance.emulator.handlers.registry import Context, Result, operation

WINDOW = timedelta(days=7)


def _entries(ctx: Context) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    protected, unprotected = [], []
    since = ctx.now - WINDOW
    for vm in ctx.state.live_vms():
        backups = ctx.state.backups_of_vm(vm)
        last = max(backups, key=lambda b: b.end) if backups else None
        entry = {
            "vmName": vm.name,
            "moref": vm.moref,
            "uuid": vm.uuid,
            "lastBackupTime": iso(last.end) if last else None,
            "lastBackupName": last.name if last else None,
            "resourceGroupName": last.resource_group if last else None,
            "policyName": last.policy if last else None,
        }
        if last is not None and since <= last.end <= ctx.now:
            protected.append(entry)
        else:
            unprotected.append(entry)
    return protected, unprotected


@operation("getProtectedVmReport")
def get_protected_vm_report(ctx: Context) -> Result:
    return Result({"protectedVmList": _entries(ctx)[0]})


@operation("getUnprotectedVmReport")
def get_unprotected_vm_report(ctx: Context) -> Result:
    return Result({"unProtectedVmList": _entries(ctx)[1]})
