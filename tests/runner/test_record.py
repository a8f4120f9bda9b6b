"""`--record` and `check` end to end: the HAR of a live run holds the failures it found."""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from conformance.cli import main
from conformance.core.paths import PROJECT_ROOT
from conformance.emulator import EmbeddedEmulator, EmulatorConfig
from conformance.emulator import auth as emulator_auth
from conformance.http.recording import EXCHANGES_DIR
from conformance.reporting.har_check import OFFLINE_CHECKS

pytestmark = pytest.mark.integration

PASSWORD = 'Lab p@ss/"wörd"&+%'
REDOCLY = PROJECT_ROOT / "node_modules" / ".bin" / "redocly"


def forms(secret: str) -> list[str]:
    return [secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]]


def failing_pairs(summary: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["operationId"], f["check"]) for f in summary["failures"]}


@pytest.fixture
def issued_tokens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token the in-process emulator hands out."""
    tokens: list[str] = []
    real: Callable[[int], str] = secrets.token_hex

    def token_hex(nbytes: int) -> str:
        made = real(nbytes)
        # the patch reaches the whole process (it is the secrets module's own function):
        # a run id of a few bytes is no token and is meant to be seen in run-owned names
        if nbytes >= 16:
            tokens.append(made)
        return made

    monkeypatch.setattr(emulator_auth.secrets, "token_hex", token_hex)
    return tokens


def test_check_finds_in_the_har_the_failures_the_live_run_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, issued_tokens: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    config = EmulatorConfig(port=0, tls=False, fault="missing-required-field", password=PASSWORD)
    with EmbeddedEmulator(config) as emulator:
        code = main(
            [
                "run", "--only", "fuzz", "--profile", "smoke", "--seed", "1",
                "--target", emulator.base_url, "--username", emulator.username,
                "--password", PASSWORD, "--allow-destructive",
                "--report-dir", "reports", "--record", "recorded.har",
            ]
        )  # fmt: skip
    assert code == 1
    (run_dir,) = (tmp_path / "reports").iterdir()
    har = tmp_path / "recorded.har"  # relative to the caller's working directory
    live = json.loads((run_dir / "summary.json").read_text())
    entries = json.loads(har.read_text())["log"]["entries"]
    kinds = {entry["_scv"]["kind"] for entry in entries}
    assert {"examples-positive", "fuzzing-positive", "probe", "session"} <= kinds
    assert any(kind.startswith("stateful") for kind in kinds)

    assert main(["check", str(har), "--out", str(tmp_path / "offline")]) == 1
    offline = json.loads((tmp_path / "offline" / "summary.json").read_text())
    found_live = {p for p in failing_pairs(live) if p[1] in OFFLINE_CHECKS}
    assert ("getPolicies", "response_schema_conformance") in found_live
    assert failing_pairs(offline) == found_live

    # secrets: not in the HAR, not in the exchange logs, in no encoding
    assert issued_tokens, "the emulator issued no token"
    logs = "".join(p.read_text() for p in (run_dir / EXCHANGES_DIR).glob("*.jsonl"))
    for secret in [PASSWORD, *issued_tokens]:
        for form in forms(secret):
            assert form not in har.read_text() and form not in logs

    # every run folder gets observations.json
    observations = json.loads((run_dir / "observations.json").read_text())
    assert observations["format"] == 1 and observations["seed"] == 1
    assert observations["profile"] == "smoke" and observations["appliance_version"] == "6.2"
    get_policies = observations["operations"]["getPolicies"]
    assert get_policies["status_codes"]["fuzzing-positive"]["200"] >= 1
    # scv_auth_required's and ignored_auth's calls, each without and with a bad token: a
    # check's probe is no generated input (whether it is sent follows the state)
    assert get_policies["status_codes"]["probe"]["401"] == 4
    assert "401" not in get_policies["status_codes"]["fuzzing-positive"]
    shape = get_policies["shapes"]["200"]
    assert shape["response.policyResponseList[].name"] == "string"
    assert "response.policyResponseList[].frequency" not in shape  # the fault
    assert get_policies["latency_ms"]["count"] >= 1

    # another HAR reader takes every entry
    assert REDOCLY.exists(), "Redocly CLI is missing: run npm ci in the repository"
    completed = subprocess.run(
        [str(REDOCLY), "drift", str(har), "--api", "specs/scv.openapi.yaml",
         "--server", emulator.base_url, "--format", "json"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    drift = json.loads(completed.stdout)["run"]
    assert drift["totalExchanges"] == len(entries) and drift["skippedExchanges"] == 0


def test_record_into_a_missing_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["scenarios", "--report-dir", str(tmp_path), "--record", "nowhere/x.har"])
    assert code == 2
    assert "--record: cannot write a file at" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
