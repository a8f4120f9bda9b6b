"""Running the fuzzing plugin in a child pytest against an emulator served by the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core.manifest import Manifest, child_variables, manifest_path
from conformance.emulator import EmbeddedEmulator
from conformance.run.spawn import ROOT, SUITES, child_environment, pytest_arguments


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


def manifest_of(
    emulator: EmbeddedEmulator,
    run_dir: Path,
    *,
    embedded: bool = True,
    version: str = "6.2",
    profile: str = "smoke",
    **settings: Any,
) -> Manifest:
    """The manifest the parent would write for a fuzzing run against ``emulator``."""
    values: dict[str, Any] = {
        "target": emulator.base_url,
        "vcenter": emulator.vcenter_url,
        "username": emulator.username,
        "tls_verify": emulator.ca_path or False,
        "release": version,
        "reported_version": version,
        "embedded": embedded,
        "allow_destructive": False,
        "seed": 1,
        "profile": profile,
        "max_examples": None,
        "job_timeout": 120.0,
        "response_time_budget_ms": 1000,
        "run_dir": run_dir.absolute(),
        "allure_dir": (run_dir / "allure-results").absolute(),
        "junit_path": (run_dir / "junit.xml").absolute(),
        "suites": ("fuzz",),
        "plugins": (SUITES["fuzz"].plugin,),
        # as the parent resolves it: strict against the embedded emulator
        "strict": embedded,
    }
    values.update(settings)
    return Manifest(**values)


def run_fuzz(emulator: EmbeddedEmulator, manifest: Manifest, *args: str) -> Outcome:
    """The harness's child pytest for ``manifest``, plus the test's own selection."""
    run_dir = manifest.run_dir
    path = manifest.write(manifest_path(run_dir))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SCV_", "PYTEST_"))}
    arguments = pytest_arguments([SUITES["fuzz"]], manifest, None)
    command = [sys.executable, "-m", "pytest", *arguments, "-o", "junit_logging=no", *args]
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=child_environment(child_variables(path, emulator.password), base=base),
        capture_output=True,
        text=True,
        timeout=300,
    )
    outcome = Outcome(done.returncode, done.stdout + done.stderr, run_dir=run_dir)
    if manifest.junit_path.exists():
        _read_junit(manifest.junit_path, outcome)
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
