"""A gateway that serves the appliance's API at its root is a target too (``--api-path /``).

The stand-in is the emulator behind an ASGI gateway that mounts its ``/api`` at ``/``
(``/4.1/...``, ``/v3/api-docs``), as a gateway or a validating proxy in front of an
appliance may; vCenter's API stays where it is.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.core import option_table
from conformance.core.errors import UsageError
from conformance.core.settings import resolve
from conformance.emulator import EmulatorConfig, create_app
from tests.loopback import serve

pytestmark = pytest.mark.integration

SCRIPT = Path(sys.executable).with_name("scv-conformance")
VCENTER_PREFIXES = ("/api/session", "/api/vcenter")


@dataclass
class RootGateway:
    """Serves ``app``'s ``/api`` at ``/``."""

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and not path.startswith(VCENTER_PREFIXES):
            raw = scope.get("raw_path") or path.encode()
            scope = {**scope, "path": "/api" + path, "raw_path": b"/api" + raw}
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def gateway() -> Iterator[tuple[str, EmulatorConfig]]:
    config = EmulatorConfig(port=0, tls=False)
    with serve(RootGateway(create_app(config))) as port:
        yield f"http://127.0.0.1:{port}", config


def _fuzz(origin: str, config: EmulatorConfig, tmp_path: Path, *extra: str) -> tuple[int, str]:
    done = subprocess.run(
        [
            str(SCRIPT),
            "fuzz",
            "--target",
            origin,
            "--username",
            config.username,
            "--tls-verify",
            "false",
            "--include-operation-id",
            "getSvmAll",
            "--report-dir",
            str(tmp_path),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "SCV_PASSWORD": config.password},
    )
    return done.returncode, done.stdout + done.stderr


def _settings(*argv: str) -> str | None:
    parser = argparse.ArgumentParser()
    option_table.add_options(parser, "connection")
    return resolve(parser.parse_args(list(argv)), {}).target


def test_the_api_path_says_where_the_api_is_mounted() -> None:
    assert _settings("--target", "https://scv.lab:8144") == "https://scv.lab:8144/api"
    assert _settings("--target", "https://scv.lab:8144/api/") == "https://scv.lab:8144/api"
    assert _settings("--target", "https://gw.lab/", "--api-path", "/") == "https://gw.lab"
    assert _settings("--target", "https://gw.lab", "--api-path", "/scv/") == "https://gw.lab/scv"
    assert _settings("--target", "https://gw.lab/api", "--api-path", "/api") == "https://gw.lab/api"
    with pytest.raises(UsageError, match="give the API's path once"):
        _settings("--target", "https://gw.lab/api", "--api-path", "/")
    with pytest.raises(UsageError, match="--api-path"):
        _settings("--target", "https://gw.lab", "--api-path", "api")


def test_a_gateway_serving_the_api_at_its_root_is_judged(
    gateway: tuple[str, EmulatorConfig], tmp_path: Path
) -> None:
    assert SCRIPT.exists(), f"install the package first (pip install -e .): no {SCRIPT}"
    origin, config = gateway
    code, output = _fuzz(origin, config, tmp_path / "root", "--api-path", "/")
    assert code == 0, output[-3000:]
    (run_dir,) = (tmp_path / "root").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["target"] == origin
    assert summary["operations"]["getSvmAll"]["status"] == "passed"
    # the preflight found the API description below the origin
    assert summary["preflight"]["describedOperations"] > 0
    assert "--api-path / " in summary["replay"] or summary["replay"].endswith("--api-path /")


def test_without_the_api_path_the_origin_gets_api_appended_and_the_run_says_why(
    gateway: tuple[str, EmulatorConfig], tmp_path: Path
) -> None:
    origin, config = gateway
    code, output = _fuzz(origin, config, tmp_path / "appended")
    assert code == 3, output[-3000:]
    assert f"{origin}/api" in output and "--api-path /" in output
    assert "Traceback" not in output
