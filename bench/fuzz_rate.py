"""Cases per second of the harness's fuzzing suite against a plain ``st run``.

Both run against one emulator (``scv-conformance emulate --no-tls``, a child process) with
the same schemathesis configuration (phases, examples, seed, checks including the SCV ones,
positive-data expectations) and the same login. Usage::

    python bench/fuzz_rate.py [--profile full|smoke] [--max-examples N] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from conformance.core.manifest import Manifest, child_variables, manifest_path
from conformance.run.spawn import SUITES, child_environment, pytest_arguments

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
USERNAME = "administrator@vsphere.local"
PASSWORD = "scv-emulator"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_emulator(port: int) -> subprocess.Popen[bytes]:
    child = subprocess.Popen(
        [str(BIN / "scv-conformance"), "emulate", "--no-tls", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.post(
                f"http://127.0.0.1:{port}/api/4.1/auth/login",
                json={"username": USERNAME, "password": PASSWORD},
                timeout=1,
            )
            return child
        except httpx.TransportError:
            time.sleep(0.1)
    child.kill()
    raise SystemExit("the emulator did not start")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
        )
    raise TypeError(type(value))


def st_config(base_url: str, seed: int, profile: str, max_examples: int | None) -> str:
    """The harness's configuration table as TOML, plus dynamic login for ``st run``."""
    from conformance.contract.spec import load_contract
    from conformance.fuzz.profiles import get_profile
    from conformance.fuzz.st_config import config_table

    table = config_table(
        base_url=base_url,
        verify=False,
        seed=seed,
        profile=get_profile(profile, max_examples),
        operations=load_contract().operations,
    )
    operations = table.pop("operations")
    lines = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in table.items()]
    lines += [
        "",
        "[auth.dynamic.openapi.Token]",
        'path = "/4.1/auth/login"',
        'method = "post"',
        f"payload = {toml_value({'username': USERNAME, 'password': PASSWORD})}",
        'extract_from = "body"',
        'extract_selector = "/response/token"',
    ]
    for entry in operations:
        lines += ["", "[[operations]]"]
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


def run_harness(
    base_url: str, seed: int, profile: str, max_examples: int | None, work: Path
) -> tuple[int, float]:
    outer = {k: v for k, v in os.environ.items() if not k.startswith("SCV_")}
    # exactly the child pytest that `scv-conformance fuzz` runs, with the manifest it writes
    manifest = Manifest(
        target=base_url,
        vcenter=None,
        username=USERNAME,
        tls_verify=False,
        release="6.2",
        reported_version="6.2",
        embedded=False,
        allow_destructive=True,
        seed=seed,
        profile=profile,
        max_examples=max_examples,
        job_timeout=120.0,
        response_time_budget_ms=1000,
        run_dir=work.absolute(),
        allure_dir=(work / "allure-results").absolute(),
        junit_path=(work / "junit.xml").absolute(),
        suites=("fuzz",),
        plugins=(SUITES["fuzz"].plugin,),
    )
    path = manifest.write(manifest_path(work.absolute()))
    env = child_environment(child_variables(path, PASSWORD), base=outer)
    arguments = pytest_arguments([SUITES["fuzz"]], manifest, None)
    command = [sys.executable, "-m", "pytest", *arguments]
    started = time.perf_counter()
    subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    elapsed = time.perf_counter() - started
    stats = json.loads((work / "fuzz-stats.json").read_text())
    return int(stats["cases"]), elapsed


def run_plain(
    base_url: str, seed: int, profile: str, max_examples: int | None, work: Path
) -> tuple[int, float]:
    config = work / "st.toml"
    config.write_text(st_config(base_url, seed, profile, max_examples))
    env = dict(os.environ, SCHEMATHESIS_HOOKS="conformance.fuzz.st_hooks")
    command = [
        str(BIN / "st"),
        "--config-file",
        str(config),
        "run",
        str(ROOT / "specs/scv.openapi.yaml"),
        "--url",
        base_url,
        "--report",
        "json",
        "--report-dir",
        str(work / "st"),
        "--no-color",
    ]
    started = time.perf_counter()
    subprocess.run(
        command,
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    elapsed = time.perf_counter() - started
    report = json.loads(next((work / "st").glob("*.json")).read_text())
    return int(report["test_cases"]["generated"]), elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("smoke", "full"), default="full")
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    port = free_port()
    emulator = start_emulator(port)
    base_url = f"http://127.0.0.1:{port}/api"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            (work / "h").mkdir()
            (work / "p").mkdir()
            h_cases, h_time = run_harness(
                base_url, args.seed, args.profile, args.max_examples, work / "h"
            )
            p_cases, p_time = run_plain(
                base_url, args.seed, args.profile, args.max_examples, work / "p"
            )
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    h_rate, p_rate = h_cases / h_time, p_cases / p_time
    print(
        f"profile {args.profile}, max examples {args.max_examples or 'profile default'}, "
        f"seed {args.seed}, emulator {base_url}"
    )
    print(f"harness (pytest plugin): {h_cases} cases in {h_time:.1f} s = {h_rate:.1f} cases/s")
    print(f"plain st run:            {p_cases} cases in {p_time:.1f} s = {p_rate:.1f} cases/s")
    print(f"ratio harness/plain: {h_rate / p_rate:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
