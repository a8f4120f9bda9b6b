"""The session to an appliance: login, token renewal, redaction, curl, unreachable targets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.core.errors import TargetUnreachable, UsageError
from conformance.emulator import EmbeddedEmulator, EmulatorConfig, ManualClock
from conformance.http.session import (
    RENEW_MARGIN_SECONDS,
    TOKEN_LIFETIME_SECONDS,
    Exchange,
    ScvSession,
    Target,
    token_command,
)
from conformance.scenarios.vcenter import VcenterClient

pytestmark = pytest.mark.integration


class Ticker:
    """A monotonic clock for the session that tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def appliance_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def emulator(appliance_clock: ManualClock) -> Iterator[EmbeddedEmulator]:
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False), clock=appliance_clock) as running:
        yield running


def target_of(emulator: EmbeddedEmulator, password: str | None = None) -> Target:
    return Target(emulator.base_url, emulator.username, password or emulator.password)


def test_logs_in_on_first_call_and_sends_the_token(emulator: EmbeddedEmulator) -> None:
    seen: list[Exchange] = []
    with ScvSession(target_of(emulator)) as session:
        session.listeners.append(seen.append)
        answer = session.request("GET", "/4.1/policies")
        assert answer.status_code == 200
        assert session.logins == 1
        token = session.token()
    login, listing = seen
    assert login.url.endswith("/4.1/auth/login") and listing.status_code == 200
    assert listing.request_headers["token"] == "[REDACTED]"
    for exchange in seen:
        text = exchange.render() + exchange.as_curl()
        assert emulator.password not in text
        assert token not in text


def test_expired_token_is_renewed_on_401(
    emulator: EmbeddedEmulator, appliance_clock: ManualClock
) -> None:
    with ScvSession(target_of(emulator)) as session:
        session.request("GET", "/4.1/policies")
        appliance_clock.advance(minutes=121)
        answer = session.request("GET", "/4.1/policies")
        assert answer.status_code == 200
        assert session.logins == 2


def test_token_is_renewed_before_it_expires(emulator: EmbeddedEmulator) -> None:
    ticker = Ticker()
    with ScvSession(target_of(emulator), clock=ticker) as session:
        first = session.token()
        ticker.now += TOKEN_LIFETIME_SECONDS - RENEW_MARGIN_SECONDS - 1
        assert session.token() == first
        ticker.now += 2
        assert session.token() != first
        assert session.logins == 2


def test_curl_replays_the_request_with_the_token_as_a_placeholder(
    emulator: EmbeddedEmulator,
) -> None:
    seen: list[Exchange] = []
    with ScvSession(target_of(emulator)) as session:
        session.listeners.append(seen.append)
        session.request("POST", "/4.1/policies", json={"name": "x"})
    curl = seen[-1].as_curl()
    assert curl.startswith("curl -k -X POST")
    assert '"Token: $SCV_TOKEN"' in curl
    assert "--data" in curl and curl.endswith("/api/4.1/policies")


def test_wrong_credentials_are_a_configuration_error(emulator: EmbeddedEmulator) -> None:
    with (
        ScvSession(target_of(emulator, password="wrong")) as session,
        pytest.raises(UsageError, match="check the username and password"),
    ):
        session.token()


def test_unreachable_target_is_an_infrastructure_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = Target(f"http://127.0.0.1:{port}/api", "u", "p")
    with (
        ScvSession(target, timeout=2) as session,
        pytest.raises(TargetUnreachable, match="unreachable"),
    ):
        session.request("GET", "/4.1/policies")


def test_vcenter_exchanges_hide_the_password_and_the_session_id(
    emulator: EmbeddedEmulator,
) -> None:
    seen: list[Exchange] = []
    client = VcenterClient(emulator.vcenter_url, emulator.username, emulator.password)
    client.listeners.append(seen.append)
    try:
        assert client.get_json("/api/vcenter/vm", names="finance-app01")[0]["vm"] == "vm-101"
        session_id = client.secrets[-1]
    finally:
        client.close()
    # the session is logged out again on close
    assert [(e.method, e.url.split("/api")[-1]) for e in seen] == [
        ("POST", "/session"),
        ("GET", "/vcenter/vm?names=finance-app01"),
        ("DELETE", "/session"),
    ]
    for exchange in seen:
        text = exchange.render() + exchange.as_curl()
        assert session_id not in text and emulator.password not in text


def test_the_token_command_and_a_reproducing_curl_work_in_a_shell(
    emulator: EmbeddedEmulator,
) -> None:
    """The login line (``scv-conformance token``) sets $SCV_TOKEN from $SCV_PASSWORD; the
    curl then replays the call."""
    seen: list[Exchange] = []
    with ScvSession(target_of(emulator)) as session:
        session.listeners.append(seen.append)
        session.request("GET", "/4.1/policies")
    line = token_command(emulator.base_url, emulator.username)
    assert emulator.password not in line
    assert line.startswith("export SCV_TOKEN=$(scv-conformance token --target ")
    script = f'{line}\n{seen[-1].as_curl()} -s -o /dev/null -w "%{{http_code}}"'
    # the command installed beside this Python, whether or not its folder is on PATH
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    done = subprocess.run(
        ["bash", "-c", script],
        env={"PATH": path, "SCV_PASSWORD": emulator.password},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.stdout.strip().endswith("200"), done.stderr
