"""End to end: the embedded server with real TLS, and the emulate command line."""

from __future__ import annotations

import argparse
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conformance.emulator import EmbeddedEmulator, EmulatorConfig, cli

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
        with httpx.Client(base_url=emulator.vcenter_url, verify=emulator.ssl_context()) as client:
            session = client.post("/api/session", auth=(emulator.username, emulator.password))
            assert session.status_code == 201
        with pytest.raises(httpx.ConnectError), httpx.Client(verify=True) as strict:
            strict.get(emulator.base_url + "/v3/api-docs")
    assert ready < 2.0
    with pytest.raises(httpx.ConnectError):
        httpx.get(emulator.base_url + "/v3/api-docs", verify=emulator.ssl_context(), timeout=1)


def test_certificate_is_kept_and_reused(tmp_path: Path) -> None:
    with EmbeddedEmulator(EmulatorConfig(port=0, cert_dir=tmp_path)) as first:
        pem = Path(str(first.ca_path)).read_bytes()
    with EmbeddedEmulator(EmulatorConfig(port=0, cert_dir=tmp_path)) as second:
        assert Path(str(second.ca_path)).read_bytes() == pem
        assert (
            httpx.get(second.base_url + "/v3/api-docs", verify=second.ssl_context()).status_code
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


def test_emulate_process_prints_where_it_is_and_serves(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "conformance.emulator",
        "--port",
        "0",
        "--cert-dir",
        str(tmp_path),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(5)]
        url = lines[0].split(" at ")[1].strip()
        assert url.startswith("https://127.0.0.1:")
        assert "administrator@vsphere.local" in lines[2] and "scv-emulator" in lines[3]
        assert str(tmp_path / "ca.pem") in lines[4]
        deadline = time.monotonic() + 5
        while True:
            try:
                answer = httpx.post(
                    url + "/4.1/auth/login",
                    json=LOGIN,
                    verify=ssl.create_default_context(cafile=tmp_path / "ca.pem"),
                )
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert answer.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
