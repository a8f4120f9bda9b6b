"""Forwarding to a real appliance: TLS as --tls-verify says, content codings undone."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest

from conformance.client import ClientAnswer
from conformance.emulator import EmulatorConfig
from conformance.emulator.server import EmbeddedEmulator
from conformance.proxy.server import ClientProxy
from conformance.proxy.upstream import Upstream, decoded

LOGIN = "/4.1/auth/login"


@pytest.mark.integration
def test_an_https_appliance_is_reached_with_its_ca_and_refused_without(tmp_path: Path) -> None:
    config = EmulatorConfig(port=0, tls=True, cert_dir=tmp_path)
    with EmbeddedEmulator(config) as emulator:
        body = {"username": emulator.username, "password": emulator.password}
        trusted = Upstream.of_url(emulator.base_url, emulator.vcenter_url, emulator.ca_path or "")
        with ClientProxy(trusted) as proxy:
            assert httpx.post(proxy.url + LOGIN, json=body).status_code == 200
        assert proxy.verdict is not None and proxy.verdict.exit_code == 0
        untrusted = Upstream.of_url(emulator.base_url, emulator.vcenter_url, True)
        with ClientProxy(untrusted) as proxy:
            answer = httpx.post(proxy.url + LOGIN, json=body)
        assert answer.status_code == 502 and "did not answer" in answer.text
        assert proxy.verdict is not None and proxy.verdict.exit_code == 3
        assert "CERTIFICATE_VERIFY_FAILED" in proxy.verdict.summary["error"]


@pytest.mark.unit
def test_a_gzip_answer_is_judged_and_passed_on_decoded() -> None:
    text = b'{"statusCode": 200}'
    coded = ClientAnswer(
        200, {"content-encoding": "gzip", "content-type": "x"}, gzip.compress(text)
    )
    plain = decoded(coded)
    assert plain.body == text and "content-encoding" not in plain.headers
    unknown = ClientAnswer(200, {"content-encoding": "br"}, b"\x00")
    assert decoded(unknown) is unknown
