"""Handlers of the vcenter tag: the plug-in's registration as an extension of vCenter (6.0)."""

from __future__ import annotations

from typing import Any

from conformance.emulator.errors import conflict, not_found
from conformance.emulator.handlers.registry import Context, Result, operation
from conformance.emulator.model import Registration


def registration_view(registration: Registration | None) -> dict[str, Any]:
    """The registration as answered; never the password."""
    if registration is None:
        return {"registered": False, "vcenterHost": None, "port": None, "username": None}
    return {
        "registered": True,
        "vcenterHost": registration.host,
        "port": registration.port,
        "username": registration.username,
    }


@operation("getVcenterRegistration")
def get_vcenter_registration(ctx: Context) -> Result:
    return Result(registration_view(ctx.state.registration))


@operation("registerVcenter")
def register_vcenter(ctx: Context) -> Result:
    body = ctx.body
    ctx.resource = body["vcenterHost"]
    current = ctx.state.registration
    if current is not None:
        raise conflict(f"The plug-in is already registered with vCenter {current.host}")
    registration = Registration(body["vcenterHost"], body.get("port", 443), body["username"])
    ctx.state.registration = registration
    return Result(registration_view(ctx.state.registration), "Registered with vCenter successfully")


@operation("unregisterVcenter")
def unregister_vcenter(ctx: Context) -> Result:
    current = ctx.state.registration
    if current is None:
        raise not_found("The plug-in is not registered with any vCenter")
    ctx.resource = current.host
    ctx.state.registration = None
    return Result(registration_view(None), "Unregistered from vCenter successfully")
