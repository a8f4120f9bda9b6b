"""Running the fuzzing plugin in a child pytest against an emulator served by the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from conformance.emulator import EmbeddedEmulator
from conformance.run.child import ROOT, SUITES, child_environment, pytest_arguments


@dataclass
class Outcome:
    """What one child pytest run reported, item by item."""

    returncode: int
    output: str
    results: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    properties: dict[str, dict[str, str]] = field(default_factory=dict)
    run_dir: Path | None = None

    def failed(self) -> list[str]:
        return sorted(n for n, r in self.results.items() if r == "failed")

    def skipped(self) -> list[str]:
        return sorted(n for n, r in self.results.items() if r == "skipped")


def environment(
    emulator: EmbeddedEmulator, *, embedded: bool = True, version: str = "6.2", **extra: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCV_", "PYTEST_"))}
    env.update(
        {
            "SCV_TARGET": emulator.base_url,
            "SCV_USERNAME": emulator.username,
            "SCV_PASSWORD": emulator.password,
            "SCV_TLS_VERIFY": emulator.ca_path or "false",
            "SCV_SEED": "1",
            "SCV_APPLIANCE_VERSION": version,
            "SCV_CONFORMANCE_REPORTED_VERSION": version,
        }
    )
    if embedded:
        env["SCV_CONFORMANCE_EMBEDDED"] = "1"
    env.update(extra)
    return env


def run_fuzz(env: dict[str, str], run_dir: Path, *args: str) -> Outcome:
    """``pytest -p conformance.fuzz.plugin specs/scv.openapi.yaml *args`` in a child."""
    junit = run_dir / "junit.xml"
    # exactly the child pytest the harness runs, plus the test's own selection
    arguments = pytest_arguments([SUITES["fuzz"]], [], run_dir, None, junit)
    command = [sys.executable, "-m", "pytest", *arguments, "-o", "junit_logging=no", *args]
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=child_environment({}, base=env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    outcome = Outcome(done.returncode, done.stdout + done.stderr, run_dir=run_dir)
    if junit.exists():
        _read_junit(junit, outcome)
    return outcome


def _read_junit(path: Path, outcome: Outcome) -> None:
    for case in ET.parse(path).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        node = case.find("failure")
        node = case.find("error") if node is None else node
        skipped = case.find("skipped")
        if node is not None:
            outcome.results[name] = "failed"
            outcome.messages[name] = (node.get("message") or "") + "\n" + (node.text or "")
        elif skipped is not None:
            outcome.results[name] = "skipped"
            outcome.messages[name] = skipped.get("message") or ""
        else:
            outcome.results[name] = "passed"
        outcome.properties[name] = {
            p.get("name", ""): p.get("value", "") for p in case.iter("property")
        }


def skips_file(outcome: Outcome) -> dict[str, object]:
    assert outcome.run_dir is not None
    data: dict[str, object] = json.loads((outcome.run_dir / "fuzz-skips.json").read_text())
    return data
