"""Reports over the last seven days, built-in schedules with cron checks, the audit log."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conformance.emulator.audit import MAX_ROLLED
from conformance.emulator.cron import cron_error
from conformance.emulator.inventory import POOL_VMS
from tests.emulator.conftest import Api, assert_conforms, error

pytestmark = pytest.mark.unit

SVM = {"userName": "vsadmin", "password": "pw-1"}


def vm_names(api: Api, report: str, key: str) -> set[str]:
    answer = api.get(f"/4.1/reports/{report}")
    assert_conforms(
        "getProtectedVmReport" if report == "protectedVM" else "getUnprotectedVmReport", answer
    )
    return {v["vmName"] for v in api.ok(answer)[key]}


def test_reports_follow_the_last_seven_days(api: Api) -> None:
    protected = vm_names(api, "protectedVM", "protectedVmList")
    seeded = {"finance-app01", "finance-db01", "web-frontend01", "rhel9-template"}
    assert protected == seeded | set(POOL_VMS)
    assert vm_names(api, "unProtectedVM", "unProtectedVmList") == {"hr-app01"}
    api.travel(days=8)
    assert vm_names(api, "protectedVM", "protectedVmList") == set()
    api.ok(api.post("/4.1/resource-groups/backupnow", json={"resourceGroupId": 2, "policyId": 2}))
    api.finish_jobs()
    assert vm_names(api, "protectedVM", "protectedVmList") == {"web-frontend01"}
    assert "finance-app01" in vm_names(api, "unProtectedVM", "unProtectedVmList")


def test_modify_schedule(api: Api) -> None:
    answer = api.put(
        "/4.1/schedules",
        json={"name": "Schedule-PurgeJobs", "cronExpression": "0 15 3 ? * MON-FRI"},
    )
    assert_conforms("modifySchedule", answer)
    assert api.ok(answer)["cronExpression"] == "0 15 3 ? * MON-FRI"
    listed = api.ok(api.get("/4.1/schedules"))["scheduleResponseList"]
    assert {s["name"]: s["cronExpression"] for s in listed}[
        "Schedule-PurgeJobs"
    ] == "0 15 3 ? * MON-FRI"


@pytest.mark.parametrize(
    "cron",
    [
        "0 0 24 * * ?",
        "60 0 1 * * ?",
        "0 61 1 * * ?",
        "0 0 1 32 * ?",
        "0 0 1 * 13 ?",
        "0 0 1 ? * 8",
        "0 0 1 ? * 0",
        "0 0 1 ? * ?",
        "0 0 1 0 * ?",
        "0 0 1 * FOO ?",
    ],
)
def test_semantically_invalid_cron_is_400(api: Api, cron: str) -> None:
    answer = api.put("/4.1/schedules", json={"name": "Schedule-PurgeJobs", "cronExpression": cron})
    assert "cronExpression" in error(answer, 400)
    listed = api.ok(api.get("/4.1/schedules"))["scheduleResponseList"]
    assert {s["name"]: s["cronExpression"] for s in listed}["Schedule-PurgeJobs"] == "0 0 5 * * ?"


def test_cron_rules() -> None:
    for good in (
        "0 0 1 * * ?",
        "0 0/15 * * * ?",
        "0 0 3 ? * SUN",
        "0 0 12 1W * ?",
        "0 0 1 L * ?",
        "0 0 1 ? * 6#3",
        "0 0 1 * JAN-MAR ? 2030",
        "*/5 * * * * *",
    ):
        assert cron_error(good) is None, good
    assert "6 or 7 fields" in str(cron_error("0 0 1 * *"))
    assert cron_error("0 0 1-0 * * ?") is not None
    assert cron_error("0 0/0 1 * * ?") is not None
    assert cron_error("0 0 1 * * ? 1800") is not None


def test_unknown_schedule_name_is_400(api: Api) -> None:
    assert "name" in error(
        api.put("/4.1/schedules", json={"name": "Schedule-Nope", "cronExpression": "0 0 1 * * ?"}),
        400,
    )


def entry_count(api: Api) -> int:
    logs = api.ok(api.get("/4.1/audit/logs"))["auditLogList"]
    return sum(len(api.ok(api.get(f"/4.1/audit/logs/{f['fileName']}"))["entries"]) for f in logs)


def test_changes_are_audited_reads_are_not(api: Api) -> None:
    before = entry_count(api)
    api.get("/4.1/policies")
    api.login()
    assert entry_count(api) == before
    api.ok(
        api.post(
            "/4.1/policies",
            json={
                "name": "Audit-1",
                "frequency": "DAILY",
                "retention": {"type": "DAYS", "value": 1},
            },
        )
    )
    error(api.delete("/4.1/policies/99"), 404)
    assert entry_count(api) == before + 2
    today = api.ok(api.get("/4.1/audit/logs"))["auditLogList"][-1]
    answer = api.get(f"/4.1/audit/logs/{today['fileName']}")
    assert_conforms("getAuditLog", answer)
    entries = api.ok(answer)["entries"]
    assert entries[-2] == {
        "timestamp": "2026-11-27T12:00:00Z",
        "user": "administrator@vsphere.local",
        "operation": "createPolicy",
        "resource": "Audit-1",
        "result": "SUCCESS",
    }
    assert (entries[-1]["operation"], entries[-1]["result"]) == ("deletePolicy", "FAILURE")
    error(api.get("/4.1/audit/logs/audit-19990101"), 404)


def test_verify_recomputes_the_checksums(api: Api) -> None:
    api.ok(
        api.post("/4.1/storage-system", json={"name": "svm-a", "userName": "u", "password": "p"})
    )
    answer = api.post("/4.1/audit/verify")
    assert_conforms("verifyAuditLogs", answer)
    result = api.ok(answer)
    statuses = {r["fileName"]: r["status"] for r in result["results"]}
    assert result["verified"] is True and statuses.pop("audit.log") == "ACTIVE"
    assert set(statuses.values()) == {"NORMAL"}
    logs = api.ok(api.get("/4.1/audit/logs"))["auditLogList"]
    assert {f["integrity"]["status"] for f in logs} == {"NORMAL", "ACTIVE"}
    first, second = list(api.state.audit.files.values())[:2]
    first.content += b"forged line\n"
    second.deleted = True  # removed behind the appliance's back
    result = api.ok(api.post("/4.1/audit/verify"))
    assert result["verified"] is False
    statuses = {r["fileName"]: r["status"] for r in result["results"]}
    assert (statuses[first.name], statuses[second.name]) == ("TAMPERED", "UNEXPECTED DELETE")
    answer = api.get(f"/4.1/audit/logs/{first.name}")  # the dots of the name are served
    assert_conforms("getAuditLog", answer)
    assert api.ok(answer)["integrity"]["status"] == "TAMPERED"


def test_the_active_file_rolls_over_daily_and_retention_deletes_the_oldest(api: Api) -> None:
    audit = api.state.audit
    rolled_before = len(audit.files) - 1
    for _ in range(MAX_ROLLED + 2):
        api.travel(days=1)
        api.ok(api.post("/4.1/storage-system", json={**SVM, "name": f"svm-{len(audit.files)}"}))
    logs = api.ok(api.get("/4.1/audit/logs"))["auditLogList"]
    statuses = [f["integrity"]["status"] for f in logs]
    assert statuses[-1] == "ACTIVE" and logs[-1]["fileName"] == "audit.log"
    deleted = rolled_before + MAX_ROLLED + 2 - MAX_ROLLED
    assert statuses[:-1] == ["ROLLOVER DELETE"] * deleted + ["NORMAL"] * MAX_ROLLED
    gone = api.ok(api.get(f"/4.1/audit/logs/{logs[0]['fileName']}"))
    assert gone["entries"] == [] and gone["sizeInBytes"] == 0
    result = api.ok(api.post("/4.1/audit/verify"))
    assert result["verified"] is True


def test_audit_config_round_trip(api: Api) -> None:
    answer = api.get("/4.1/audit/config")
    assert_conforms("getAuditConfig", answer)
    config = {
        "retentionDays": 60,
        "maxFileSizeInMB": 20,
        "syslog": {"enabled": True, "server": "syslog.lab.local", "port": 6514, "protocol": "TLS"},
    }
    assert api.ok(api.put("/4.1/audit/config", json=config)) == config
    assert api.ok(api.get("/4.1/audit/config")) == config
    assert "retentionDays" in error(
        api.put("/4.1/audit/config", json={**config, "retentionDays": 0}), 400
    )


def _certificate_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "syslog.lab.local")])
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_syslog_certificate(api: Api) -> None:
    pem = _certificate_pem()
    answer = api.put("/4.1/audit/syslogcert", json={"certificate": pem})
    assert_conforms("updateSyslogCert", answer)
    info = api.ok(answer)
    assert info["subject"] == "CN=syslog.lab.local" and len(info["sha256Fingerprint"]) == 64
    fake = (
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUExampleOnly\n-----END CERTIFICATE-----\n"
    )
    assert (
        error(api.put("/4.1/audit/syslogcert", json={"certificate": fake}), 400)
        == "The certificate could not be parsed"
    )
    assert "certificate" in error(
        api.put("/4.1/audit/syslogcert", json={"certificate": "hello"}), 400
    )
