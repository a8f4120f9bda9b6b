"""The request judgement, request by request, on synthetic sessions (no server)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.client import ClientAnswer, ClientJudge, ClientRequest, RequestVerdict
from conformance.client.report import SessionFacts, build_summary

pytestmark = pytest.mark.unit

TOKEN = "0123456789abcdef0123456789abcdef"
PASSWORD = "s3cret-Passw0rd"


class Session:
    """Sends synthetic requests through one judge, with the answers a test chooses."""

    def __init__(self) -> None:
        self.judge = ClientJudge()
        self.index = 0

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = TOKEN,
        answer: Any = None,
        status: int = 200,
    ) -> RequestVerdict:
        headers = {"content-type": "application/json"}
        if token:
            headers["token"] = token
        raw = json.dumps(body).encode() if body is not None else b""
        request = ClientRequest.of_url(method, f"/api{path}", headers, raw, self.index)
        self.index += 1
        verdict = self.judge.request(request)
        if answer is not None:
            payload = json.dumps(answer).encode()
            self.judge.answer(
                verdict, ClientAnswer(status, {"content-type": "application/json"}, payload)
            )
        return verdict

    def login(self, token: str = TOKEN) -> RequestVerdict:
        return self.send(
            "POST",
            "/4.1/auth/login",
            {"username": "admin@vsphere.local", "password": PASSWORD},
            token=None,
            answer=envelope({"token": token}),
        )


def envelope(response: Any) -> dict[str, Any]:
    return {"statusCode": 200, "statusMessage": "OK", "responseMessage": None, "response": response}


def rules(verdict: RequestVerdict) -> set[str]:
    return {f.rule for f in verdict.findings}


def test_a_number_counts_only_as_the_kind_of_id_it_was_given_as() -> None:
    session = Session()
    session.login()
    session.send("GET", "/4.1/policies", answer=envelope({"policyResponseList": [{"id": 1}]}))
    # 1 was a policy's id, never a backup's
    made_up = session.send("GET", "/4.1/vm/backups/1/snapshotlocations")
    assert "client_value_provenance" in rules(made_up)
    listed = session.send(
        "POST", "/4.1/resource-groups/backupnow", {"policyId": 1, "resourceGroupId": 4}
    )
    assert [f.message for f in listed.findings if f.rule == "client_value_provenance"] == [
        "the body field resourceGroupId is '4', a value no earlier answer gave this client "
        "(made up, or from another appliance)"
    ]


def test_a_token_no_login_gave_is_made_up() -> None:
    session = Session()
    session.login()
    verdict = session.send("GET", "/4.1/policies", token="f" * 32)
    assert rules(verdict) == {"client_value_provenance"}
    assert rules(session.send("GET", "/4.1/policies")) == set()


def test_the_audit_log_file_name_may_hold_dots() -> None:
    session = Session()
    session.login()
    session.send(
        "GET", "/4.1/audit/logs", answer=envelope([{"fileName": "audit-2022-12-15.log.gz"}])
    )
    fetched = session.send("GET", "/4.1/audit/logs/audit-2022-12-15.log.gz")
    assert "client_url_characters" not in rules(fetched)
    dotted = session.send("GET", "/4.1/policies/1.5")
    assert "client_url_characters" in rules(dotted)


def test_restart_on_a_partial_backup_breaks_the_documented_rule() -> None:
    session = Session()
    session.login()
    backups = [{"backupId": 7, "backupName": "b", "startTime": "x", "partialBackup": True}]
    session.send("GET", "/4.1/vm/vm-9/backups", answer=envelope({"backupResponseList": backups}))
    body = {"restartVM": True, "restoreLocations": []}
    verdict = session.send("POST", "/4.1/vm/vm-9/backups/7/restore", body)
    broken = [f for f in verdict.findings if f.rule == "client_business_rules"]
    assert broken and broken[0].evidence == "doc" and not broken[0].deviation
    body["restartVM"] = False
    again = session.send("POST", "/4.1/vm/vm-9/backups/7/restore", body)
    assert "client_business_rules" not in rules(again)


def test_a_login_before_every_call_is_found_from_the_third_login() -> None:
    session = Session()
    for number in range(4):
        login = session.login(f"{number:032d}")
        session.send("GET", "/4.1/policies", token=f"{number:032d}")
        if number < 2:
            assert "client_token_reused" not in rules(login)
    assert "client_token_reused" in rules(login)
    assert all(f.deviation for f in login.findings)


def test_a_relogin_after_a_refused_token_is_not_needless() -> None:
    session = Session()
    for number in range(4):
        login = session.login(f"{number:032d}")
        refusal = {"statusCode": 401, "statusMessage": "Unauthorized", "responseMessage": "x"}
        session.send("GET", "/4.1/policies", token=f"{number:032d}", answer=refusal, status=401)
        assert "client_token_reused" not in rules(login)


def test_acting_on_the_subject_of_a_running_job_is_a_deviation() -> None:
    session = Session()
    session.login()
    backups = [{"backupId": 7, "backupName": "b", "startTime": "x", "partialBackup": False}]
    session.send("GET", "/4.1/vm/vm-9/backups", answer=envelope({"backupResponseList": backups}))
    body = {"datastore": "ds", "location": "svm:/vol/ds", "esxHostName": "esx01"}
    session.send(
        "GET",
        "/4.1/datastores/backups/7/snapshotlocations",
        answer=envelope(
            {"snapshotLocationsList": [{"datastore": "ds", "location": "svm:/vol/ds"}]}
        ),
    )
    session.send("GET", "/4.1/datastores/datastore-1/availableEsxHosts")
    session.send("POST", "/4.1/datastores/backups/7/mount", body, answer=envelope({"jobId": 30}))
    session.send(
        "GET",
        "/4.1/datastores/backups/7/mounted",
        answer=envelope({"mountedDatastores": [{"moref": "datastore-77"}]}),
    )
    early = session.send("POST", "/4.1/datastores/unmount", {"moref": ["datastore-77"]})
    assert [f.deviation for f in early.findings if f.rule == "client_job_followed"] == [True]
    session.send("GET", "/4.1/jobs/30", answer=envelope({"id": 30, "status": "COMPLETED"}))
    later = session.send("POST", "/4.1/datastores/unmount", {"moref": ["datastore-77"]})
    assert "client_job_followed" not in rules(later)


def test_no_secret_reaches_the_summary() -> None:
    session = Session()
    session.login()
    # a client that puts its password and token where they do not belong
    session.send("GET", f"/4.1/vm/{PASSWORD}/backups", token=None)
    session.send("GET", f"/4.1/jobs/{TOKEN}")
    text = json.dumps(build_summary(session.judge, SessionFacts(source="test")))
    assert PASSWORD not in text and TOKEN not in text
    assert "[REDACTED]" in text
