"""What the proxy records: a binary answer kept as base64 (a zip rebuilt with its members
redacted), an empty answer as empty text, the token never."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path

import httpx
import pytest

from conformance.emulator import EmulatorConfig
from conformance.emulator.app import create_app
from conformance.emulator.config import DEFAULT_PASSWORD, DEFAULT_USERNAME
from conformance.proxy.server import ClientProxy
from conformance.proxy.upstream import Upstream

pytestmark = pytest.mark.integration


def test_the_proxy_records_job_logs_as_base64_and_an_empty_answer_as_empty(
    tmp_path: Path,
) -> None:
    har = tmp_path / "client.har"
    upstream = Upstream.of_app(create_app(EmulatorConfig()))
    proxy = ClientProxy(upstream, run_dir=tmp_path / "run", record=har).start()
    try:
        with httpx.Client(base_url=proxy.url, timeout=30) as client:
            login = {"username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD}
            token = client.post("/4.1/auth/login", json=login).json()["response"]["token"]
            headers = {"Token": token}
            jobs = client.get("/4.1/jobs", headers=headers).json()["response"]
            job = jobs["jobResponseList"][0]["id"]
            logs = client.get(f"/4.1/jobs/{job}/logs", headers=headers)
            assert logs.status_code == 200 and logs.content.startswith(b"PK")
        with httpx.Client(base_url=proxy.vcenter_url, timeout=30) as vcenter:
            session = vcenter.post("/api/session", auth=(DEFAULT_USERNAME, DEFAULT_PASSWORD))
            closed = vcenter.delete(
                "/api/session", headers={"vmware-api-session-id": session.json()}
            )
            assert closed.status_code == 204
    finally:
        proxy.stop()
    text = har.read_text()
    assert token not in text and DEFAULT_PASSWORD not in text
    entries = json.loads(text)["log"]["entries"]
    (kept,) = [e for e in entries if e["request"]["url"].endswith(f"/jobs/{job}/logs")]
    content = kept["response"]["content"]
    assert content["encoding"] == "base64"
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(content["text"]))) as archive:
        assert archive.namelist() == zipfile.ZipFile(io.BytesIO(logs.content)).namelist()
    (ended,) = [e for e in entries if e["response"]["status"] == 204]
    assert ended["response"]["content"]["text"] == "" and ended["response"]["content"]["size"] == 0
    assert all("bytes of" not in e["response"]["content"]["text"] for e in entries)
