"""Handlers of the audit tag: audit log files, verification, configuration."""

from __future__ import annotations

import copy

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from conformance.emulator.errors import bad_request, found
from conformance.emulator.handlers.registry import Context, Result, operation


@operation("getAuditLogs")
def get_audit_logs(ctx: Context) -> Result:
    audit = ctx.state.audit
    return Result({"auditLogList": [audit.describe(f) for f in audit.files.values()]})


@operation("getAuditLog")
def get_audit_log(ctx: Context) -> Result:
    name = ctx.params["filename"]
    audit_file = found(ctx.state.audit.files.get(name), f"Audit log {name}")
    return Result(ctx.state.audit.detail(audit_file))


@operation("verifyAuditLogs")
def verify_audit_logs(ctx: Context) -> Result:
    return Result(ctx.state.audit.verify(ctx.now), "Audit log verification completed")


@operation("getAuditConfig")
def get_audit_config(ctx: Context) -> Result:
    return Result(copy.deepcopy(ctx.state.audit_config))


@operation("updateAuditConfig")
def update_audit_config(ctx: Context) -> Result:
    ctx.state.audit_config = copy.deepcopy(ctx.body)
    return Result(copy.deepcopy(ctx.body), "Audit configuration updated")


@operation("updateSyslogCert")
def update_syslog_cert(ctx: Context) -> Result:
    try:
        cert = x509.load_pem_x509_certificate(ctx.body["certificate"].encode("ascii"))
    except Exception:  # any parse failure of untrusted input is a bad request
        raise bad_request("The certificate could not be parsed") from None
    info = {
        "subject": cert.subject.rfc4514_string() or "unknown",
        "sha256Fingerprint": cert.fingerprint(hashes.SHA256()).hex(),
    }
    ctx.resource = info["subject"]
    ctx.state.syslog_cert = info
    return Result(dict(info), "Syslog certificate updated")
