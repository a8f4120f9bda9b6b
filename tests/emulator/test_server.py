"""End to end: the embedded server with real TLS, and the emulate command line."""

from __future__ import annotations

import argparse
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conformance.emulator import EmbeddedEmulator, EmulatorConfig, cli
from conformance.http.sending import tls_verification

pytestmark = pytest.mark.integration

LOGIN = {"username": "administrator@vsphere.local", "password": "scv-emulator"}


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_embedded_emulator_over_verified_tls(tmp_path: Path) -> None:
    started = time.monotonic()
    with EmbeddedEmulator(EmulatorConfig(port=0, cert_dir=tmp_path)) as emulator:
        ready = time.monotonic() - started
        assert emulator.base_url.startswith("https://127.0.0.1:") and emulator.base_url.endswith(
            "/api"
        )
        assert emulator.vcenter_url == emulator.base_url[: -len("/api")]
        assert emulator.ca_path is not None
        # ca_path itself is what a client configuration names
        context = ssl.create_default_context(cafile=emulator.ca_path)
        with httpx.Client(base_url=emulator.base_url, verify=context) as client:
            login = {"username": emulator.username, "password": emulator.password}
            token = client.post("/4.1/auth/login", json=login).json()["response"]["token"]
            groups = client.get("/4.1/resource-groups", headers={"Token": token})
            assert groups.status_code == 200
            assert groups.json()["response"]["resourceGroupResponseList"][0]["name"] == "RG-Finance"
        with httpx.Client(
            base_url=emulator.vcenter_url, verify=tls_verification(emulator.ca_path or "")
        ) as client:
            session = client.post("/api/session", auth=(emulator.username, emulator.password))
            assert session.status_code == 201
        with pytest.raises(httpx.ConnectError), httpx.Client(verify=True) as strict:
            strict.get(emulator.base_url + "/v3/api-docs")
    assert ready < 2.0
    with pytest.raises(httpx.ConnectError):
        httpx.get(
            emulator.base_url + "/v3/api-docs",
            verify=tls_verification(emulator.ca_path or ""),
            timeout=1,
        )


def test_certificate_is_kept_and_reused(tmp_path: Path) -> None:
    with EmbeddedEmulator(EmulatorConfig(port=0, cert_dir=tmp_path)) as first:
        pem = Path(str(first.ca_path)).read_bytes()
    with EmbeddedEmulator(EmulatorConfig(port=0, cert_dir=tmp_path)) as second:
        assert Path(str(second.ca_path)).read_bytes() == pem
        assert (
            httpx.get(
                second.base_url + "/v3/api-docs", verify=tls_verification(second.ca_path or "")
            ).status_code
            == 200
        )


def test_cli_refuses_bad_input_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(parse("--fault", "nope")) == 2
    err = capsys.readouterr().err
    assert "unknown fault 'nope'" in err and len(err.strip().splitlines()) == 1
    assert cli.run(parse("--appliance-version", "four")) == 2
    assert "not an appliance release" in capsys.readouterr().err
    assert cli.run(parse("--appliance-version", "3.9")) == 2
    assert cli.run(parse("--job-duration", "-1")) == 2
    assert cli.run(parse("--max-body-bytes", "0")) == 2
    assert cli.run(parse("--max-sessions", "0")) == 2
    assert cli.run(parse("--vcenter-session-ttl-minutes", "0")) == 2


def test_cli_reports_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert cli.run(parse("--port", str(port), "--no-tls")) == 3
    err = capsys.readouterr().err
    assert f"port {port}" in err and "in use" in err and "Traceback" not in err


def test_cli_lists_the_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(parse("--list-inventory")) == 0
    assert "legacy-crm01" in capsys.readouterr().out


def test_the_inventory_listing_piped_into_a_reader_that_stops_early() -> None:
    """``emulate --list-inventory | head -1``: the reader closes the pipe; no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # a reader that is already gone
    try:
        done = subprocess.run(
            [sys.executable, "-m", "conformance.emulator", "--list-inventory"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def start_emulate(
    *options: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], list[str]]:
    """``python -m conformance.emulator`` on a free port and its banner (up to Ctrl-C)."""
    command = [sys.executable, "-m", "conformance.emulator", "--port", "0", *options]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    banner: list[str] = []
    while not banner or not banner[-1].startswith("Press Ctrl-C"):
        line = process.stdout.readline()
        assert line, f"emulate ended: {process.stderr.read() if process.stderr else ''}"
        banner.append(line)
    return process, banner


def login_when_up(url: str, login: dict[str, str], verify: ssl.SSLContext | bool) -> httpx.Response:
    deadline = time.monotonic() + 5
    while True:
        try:
            return httpx.post(url + "/4.1/auth/login", json=login, verify=verify)
        except httpx.ConnectError:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def stop(process: subprocess.Popen[str]) -> str:
    """Stop the process; everything else it wrote to stdout and stderr."""
    process.terminate()
    out, err = process.communicate(timeout=10)
    return out + err


def test_emulate_process_prints_where_it_is_and_serves(tmp_path: Path) -> None:
    process, banner = start_emulate("--cert-dir", str(tmp_path))
    try:
        url = banner[0].split(" at ")[1].strip()
        assert url.startswith("https://127.0.0.1:")
        assert "administrator@vsphere.local" in banner[2]
        assert "--password" in banner[3] and "SCV_EMULATOR_PASSWORD" in banner[3]
        assert str(tmp_path / "ca.pem") in banner[4]
        context = ssl.create_default_context(cafile=tmp_path / "ca.pem")
        assert login_when_up(url, LOGIN, context).status_code == 200
    finally:
        rest = stop(process)
    assert "scv-emulator" not in "".join(banner) + rest


@pytest.mark.parametrize("source", ["flag", "environment"])
def test_emulate_never_prints_the_password(source: str) -> None:
    secret = "Sup3r-Secret!pw"
    if source == "flag":
        process, banner = start_emulate("--no-tls", "--password", secret)
    else:
        process, banner = start_emulate("--no-tls", env={"SCV_EMULATOR_PASSWORD": secret})
    try:
        url = banner[0].split(" at ")[1].strip()
        login = {"username": "administrator@vsphere.local", "password": secret}
        assert login_when_up(url, login, False).status_code == 200
        assert login_when_up(url, LOGIN, False).status_code == 401
    finally:
        rest = stop(process)
    printed = "".join(banner) + rest
    assert "********" in printed
    assert secret not in printed and "Secret" not in printed


def test_emulate_says_how_to_get_the_default_password_so_a_newcomer_can_log_in() -> None:
    process, banner = start_emulate("--no-tls", env={"SCV_EMULATOR_PASSWORD": ""})
    try:
        url = banner[0].split(" at ")[1].strip()
        (line,) = [ln for ln in banner if "password:" in ln]
        command = line.split("`")[1]  # the banner's command, run as a user would
        shown = subprocess.run(
            command, shell=True, capture_output=True, text=True, check=True, timeout=60
        ).stdout.strip()
        assert login_when_up(url, {**LOGIN, "password": shown}, False).status_code == 200
    finally:
        stop(process)


def test_password_source_is_named() -> None:
    assert cli.password_of(parse("--password", "p")) == ("p", "given with --password")
