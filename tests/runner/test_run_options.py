"""Selection, limits and connection options reach the child and change what it does."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.emulator import EmbeddedEmulator, EmulatorConfig
from tests.runner.recording_proxy import recording_proxy

pytestmark = pytest.mark.integration

SECRET_HEADER_VALUE = "hunter22-not-for-reports"
PROXY_PASSWORD = "Pr0xy-s3cret-not-for-reports"


@pytest.fixture(scope="module")
def plain_emulator() -> Iterator[EmbeddedEmulator]:
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False)) as running:
        yield running


def test_filters_headers_proxy_rate_limit_and_timeout_reach_the_child(
    plain_emulator: EmbeddedEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCV_PASSWORD", plain_emulator.password)
    checks = "not_a_server_error,status_code_conformance"
    with recording_proxy() as (proxy, seen):
        code = main(
            [
                "fuzz",
                "--target", plain_emulator.base_url,
                "--username", plain_emulator.username,
                "--include-operation-id", "getPolicies",
                "--include-operation-id", "getJobs",
                "--include-operation-id", "createPolicy",
                "--exclude-method", "post",
                "--checks", checks,
                "--max-examples", "1",
                "--rate-limit", "20/s",
                "--request-timeout", "7",
                "--header", "X-Request-Source: nightly",
                "--header", f"X-Api-Key: {SECRET_HEADER_VALUE}",
                "--proxy", proxy.replace("://", f"://bob:{PROXY_PASSWORD}@"),
            ]
        )  # fmt: skip
    output = capsys.readouterr()
    assert code == 0, output.out + output.err
    (run_dir,) = (tmp_path / "reports").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert set(summary["operations"]) == {"getPolicies", "getJobs", "stateful"}
    for entry in summary["operations"].values():
        assert set(entry["checks"]) == set(checks.split(","))
    assert summary["selection"]["include_operation_id"] == [
        "getPolicies",
        "getJobs",
        "createPolicy",
    ]
    manifest = json.loads((run_dir / ".run" / "manifest.json").read_text())
    assert manifest["request_timeout"] == 7.0 and manifest["requests_per_second"] == 20.0
    assert manifest["headers"] == {"X-Request-Source": "nightly"}
    assert manifest["proxy"] == proxy  # its credentials reach the child, not the file
    # every request went through the proxy, with both headers: the preflight's (the parent's;
    # only it asks for the description) as well as the child's
    api = [r for r in seen.requests if "/api/" in r[2]]
    assert any(path.endswith("/api/v3/api-docs") for _, _, path, _ in api)
    assert len([r for r in api if "/api/4.1/" in r[2]]) > 5
    for _, _, _, headers in api:
        lowered = {k.lower(): v for k, v in headers.items()}
        assert lowered["x-request-source"] == "nightly"
        assert lowered["x-api-key"] == SECRET_HEADER_VALUE
    # at most 20 requests a second, each request as it leaves (schemathesis' own probes and
    # the logins included): any 11 requests span at least 10 intervals of 1/20 s, less what
    # sending one may add after its slot (generous on a busy host); and no two go together,
    # but for one that a busy host delayed until the next one's slot
    times = sorted(t for t, *_ in api)
    assert min(b - a for a, b in zip(times, times[10:], strict=False)) >= 0.5 - 0.15
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(times)]
    assert sum(gap < 0.02 for gap in gaps) <= 1, gaps
    # the proxy got the credentials of its URL (the child's requests too)
    basic = base64.b64encode(f"bob:{PROXY_PASSWORD}".encode()).decode()
    for _, _, _, headers in api:
        lowered = {k.lower(): v for k, v in headers.items()}
        assert lowered["proxy-authorization"] == f"Basic {basic}"
    # neither the secret header's value nor the proxy's password is anywhere in the run
    # folder or the console
    for secret in (SECRET_HEADER_VALUE, PROXY_PASSWORD, basic):
        assert secret not in output.out + output.err
        for path in run_dir.rglob("*"):
            if path.is_file():
                assert secret not in path.read_text(errors="replace"), path
