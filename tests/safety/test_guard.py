"""Read-only means read-only: the guard, the clients that ask it and workflow flags."""

from __future__ import annotations

import textwrap
from pathlib import Path

import httpx
import pytest

from conformance.fuzz.profiles import get_profile
from conformance.fuzz.st_config import config_table
from conformance.http.guard import ReadOnlyViolation, RequestGuard, changes_state
from conformance.http.session import ScvSession, Target
from conformance.scenarios import extensions, loader
from conformance.scenarios.failures import ScenarioDocumentError
from conformance.scenarios.vcenter import VcenterClient

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("method", "url", "changes"),
    [
        ("GET", "https://scv/api/4.1/resource-groups", False),
        ("POST", "https://scv/api/4.1/auth/login", False),
        ("POST", "/api/session", False),
        ("DELETE", "/api/session", False),
        ("POST", "https://scv/api/4.1/audit/verify", True),
        ("DELETE", "https://scv/api/4.1/resource-groups/1", True),
        ("TRACE", "https://scv/api/4.1/policies", True),
        ("HEAD", "https://scv/api/4.1/policies", True),
        ("OPTIONS", "https://scv/api/4.1/policies", True),
        ("PUT", "https://scv/api/4.1/auth/login", True),
    ],
)
def test_only_gets_and_session_calls_leave_state_alone(
    method: str, url: str, changes: bool
) -> None:
    assert changes_state(method, url) is changes


def test_a_read_only_guard_refuses_and_remembers() -> None:
    guard = RequestGuard(read_only=True)
    guard.check("GET", "/4.1/policies")
    with pytest.raises(ReadOnlyViolation, match=r"refused DELETE /4\.1/policies/1"):
        guard.check("DELETE", "/4.1/policies/1")
    assert guard.refused == ["DELETE /4.1/policies/1"]
    RequestGuard(read_only=False).check("DELETE", "/4.1/policies/1")


def _counting_transport(sent: list[str]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/auth/login"):
            return httpx.Response(200, json={"response": {"token": "t0ken-value"}})
        if request.url.path == "/api/session":
            return httpx.Response(201, json="session-id-1")
        return httpx.Response(200, json={"response": []})

    return httpx.MockTransport(answer)


def test_the_session_never_sends_a_refused_call() -> None:
    sent: list[str] = []
    session = ScvSession(
        Target("http://scv.test/api", "u", "p4ssword"),
        transport=_counting_transport(sent),
        guard=RequestGuard(read_only=True),
    )
    assert session.request("GET", "/4.1/policies").status_code == 200
    with pytest.raises(ReadOnlyViolation):
        session.request("POST", "/4.1/audit/verify")
    assert sent == ["POST /api/4.1/auth/login", "GET /api/4.1/policies"]


def test_the_vcenter_client_is_guarded_and_logs_out() -> None:
    sent: list[str] = []
    client = VcenterClient(
        "http://vc.test",
        "u",
        "p4ssword",
        transport=_counting_transport(sent),
        guard=RequestGuard(read_only=True),
    )
    client.request("GET", "/api/vcenter/vm")
    with pytest.raises(ReadOnlyViolation):
        client.request("DELETE", "/api/vcenter/vm/vm-101")
    client.close()
    assert sent == ["POST /api/session", "GET /api/vcenter/vm", "DELETE /api/session"]


def test_read_only_fuzzing_tries_no_undocumented_methods() -> None:
    table = config_table(
        base_url="http://scv.test/api",
        verify=False,
        seed=1,
        profile=get_profile("full"),
        operations=[],
        read_only=True,
    )
    assert table["phases"]["coverage"]["unexpected-methods"] == []
    table = config_table(
        base_url="http://scv.test/api",
        verify=False,
        seed=1,
        profile=get_profile("full"),
        operations=[],
    )
    assert "unexpected-methods" not in table["phases"]["coverage"]


def _document(tmp_path: Path, flag: str, operation: str) -> Path:
    text = f"""\
        arazzo: 1.0.1
        info: {{title: t, version: 1.0.0}}
        sourceDescriptions:
          - {{name: scv, url: {ROOT}/specs/scv.openapi.yaml, type: openapi}}
        workflows:
          - workflowId: wf
            {flag}
            steps:
              - stepId: only
                operationId: {operation}
                successCriteria:
                  - condition: $statusCode == 200
        """
    path = tmp_path / "t.arazzo.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_workflow_that_says_it_is_safe_but_posts_is_refused(tmp_path: Path) -> None:
    path = _document(tmp_path, "x-scv-destructive: false", "verifyAuditLogs")
    with pytest.raises(ScenarioDocumentError, match="call operations that change appliance state"):
        loader.load(path)


def test_a_workflow_that_says_it_is_destructive_but_only_reads_is_refused(tmp_path: Path) -> None:
    path = _document(tmp_path, "x-scv-destructive: true", "getJobs")
    with pytest.raises(ScenarioDocumentError, match="no step changes appliance state"):
        loader.load(path)


def test_without_a_flag_the_steps_decide(tmp_path: Path) -> None:
    (workflow,) = loader.load(_document(tmp_path, "", "verifyAuditLogs")).workflows
    assert extensions.destructive(workflow)
    assert extensions.state_changing_steps(workflow) == ["only"]
    (workflow,) = loader.load(_document(tmp_path, "", "getJobs")).workflows
    assert not extensions.destructive(workflow)
