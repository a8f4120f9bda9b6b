"""certify-client end to end: the worked example against cells of the matrix, and sealing.

Each test runs ``scv-conformance certify-client`` in-process; every cell starts an emulator
and the proxy on loopback and runs the integration as a subprocess. Jobs run 50 ms (slow
jobs half a second) so that a whole matrix stays short.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.certify.signing import generate_keys
from conformance.cli import main
from conformance.emulator.conditions import CONDITIONS
from tests.safety.harness_cli import with_sigint_ignored

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "backup_report.py"
FAST = ["--job-duration", "0.05", "--cell-timeout", "60"]


def certify_client(out: Path, *options: str, command: list[str]) -> int:
    return main(["certify-client", *FAST, *options, "--out", str(out), "--", *command])


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def statuses(out: Path) -> dict[str, str]:
    return {cell["name"]: cell["status"] for cell in summary(out)["cells"]}


def gone(pid: int, within: float = 10.0) -> bool:
    """The process has ended and been reaped (a killed one lingers until it is)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_an_integration_that_never_logs_in_again_fails_the_token_expiry_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bundle"
    command = [sys.executable, str(EXAMPLE), "--no-relogin"]
    code = certify_client(out, "--release", "6.2", "--condition", "token-expiry", command=command)
    assert code == 1
    assert statuses(out) == {"6.2-plain": "passed", "6.2-token-expiry": "failed"}
    failed = summary(out)["cells"][1]
    assert failed["commandExitCode"] == 1
    # the reason quotes the integration's own last word: the 401 it did not survive
    assert "401 Unauthorized" in failed["reasons"][0]
    assert (
        "- **6.2-token-expiry** (failed): the command exited 1" in (out / "summary.md").read_text()
    )
    assert "failed: 6.2-token-expiry: the command exited 1" in capsys.readouterr().err
    certificate = json.loads((out / "certificate.json").read_text())
    assert (certificate["kind"], certificate["result"], certificate["exitCode"]) == (
        "client",
        "failed",
        1,
    )
    assert [f["path"] for f in certificate["integration"]["files"]] == [
        sys.executable,
        str(EXAMPLE),
    ]


def test_the_same_integration_with_a_relogin_passes_every_cell(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    command = [sys.executable, str(EXAMPLE)]
    # the oldest release (the other test plays the newest): plainly and under every
    # condition, three cells at a time (each with its own emulator and proxy)
    assert certify_client(out, "--release", "4.4", "--parallel", "3", command=command) == 0
    cells = summary(out)["cells"]
    assert [c["condition"] for c in cells] == [None, *CONDITIONS]
    assert all(c["status"] == "passed" for c in cells), [c["reasons"] for c in cells]
    by_name = {c["name"]: c for c in cells}
    # the conditions were really met: more logins under token-expiry, a FAILED job reported
    assert by_name["4.4-token-expiry"]["requests"] > by_name["4.4-plain"]["requests"]
    log = (out / "cells" / "4.4-job-failure" / "command.log").read_text()
    assert "FAILED (Job failed" in log
    log = (out / "cells" / "4.4-translation-spelling" / "command.log").read_text()
    assert "restorable on esx01" in log
    # each cell is a proxy run folder; Allure groups every result by its cell
    for name in ("summary.json", "summary.md", "junit.xml", "traffic.har", "cell.json"):
        assert (out / "cells" / "4.4-plain" / name).is_file(), name
    # HTTPS by default, as an appliance: the example trusted the run's CA (SCV_CA_FILE)
    har = json.loads((out / "cells" / "4.4-plain" / "traffic.har").read_text())
    assert har["log"]["entries"][0]["request"]["url"].startswith("https://127.0.0.1:")
    suites = set()
    for path in (out / "allure-results").glob("*-result.json"):
        labels = json.loads(path.read_text())["labels"]
        suites |= {label["value"] for label in labels if label["name"] == "parentSuite"}
    assert suites == set(by_name)
    assert main(["certify-client", "--verify", str(out)]) == 0


def test_a_client_mistake_fails_the_cell_even_when_the_command_exits_0(tmp_path: Path) -> None:
    # logs in, then calls without the Token header: the appliance refuses, the script
    # does not care and exits 0; the proxy names the mistake on the operation it was made on
    script = (
        "import os, httpx\n"
        "assert os.environ['SCV_URL'].startswith('http://') and 'SCV_CA_FILE' not in os.environ\n"
        "scv = httpx.Client(base_url=os.environ['SCV_URL'])\n"
        "scv.post('/4.1/auth/login', json={'username': os.environ['SCV_USERNAME'],"
        " 'password': os.environ['SCV_PASSWORD']})\n"
        "print(scv.get('/4.1/policies').status_code)\n"
    )
    out = tmp_path / "bundle"
    code = certify_client(
        out,
        "--no-tls",
        "--release",
        "6.2",
        "--condition",
        "slow-jobs",
        command=[sys.executable, "-c", script],
    )
    assert code == 1
    cells = summary(out)["cells"]
    assert [c["commandExitCode"] for c in cells] == [0, 0]
    for cell in cells:
        assert cell["status"] == "failed"
        assert cell["reasons"] == [
            "client failure: getPolicies: client_token_required: " + cell["failures"][0]["message"]
        ]


def test_a_command_that_hangs_or_sends_nothing_fails_its_cell(tmp_path: Path) -> None:
    out = tmp_path / "hangs"
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    code = main(
        [
            "certify-client",
            "--release",
            "6.2",
            "--condition",
            "job-failure",
            "--cell-timeout",
            "0.5",
            "--out",
            str(out),
            "--",
            *hang,
        ]
    )
    assert code == 1
    for cell in summary(out)["cells"]:
        assert cell["commandTimedOut"] is True
        assert cell["reasons"] == [
            "the command did not end within 0.5 s",
            "the command sent no request to SCV_URL",
        ]


def test_no_secret_reaches_the_bundle(tmp_path: Path) -> None:
    # an integration that prints its password and the token it was given
    script = (
        "import os, httpx\n"
        "scv = httpx.Client(base_url=os.environ['SCV_URL'], verify=os.environ['SCV_CA_FILE'])\n"
        "print('password', os.environ['SCV_PASSWORD'])\n"
        "answer = scv.post('/4.1/auth/login', json={'username': os.environ['SCV_USERNAME'],"
        " 'password': os.environ['SCV_PASSWORD']})\n"
        "token = answer.json()['response']['token']\n"
        "print('token', token)\n"
        "open(os.environ['LEAK'], 'w').write('\\n'.join("
        "[os.environ['SCV_PASSWORD'], token, os.environ['SCV_CA_FILE']]))\n"
    )
    leak = tmp_path / "leak.txt"
    out = tmp_path / "bundle"
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("LEAK", str(leak))
    try:
        code = certify_client(
            out,
            "--release",
            "6.2",
            "--condition",
            "token-expiry",
            command=[sys.executable, "-c", script],
        )
    finally:
        monkeypatch.undo()
    assert code == 0
    password, token, ca_file = leak.read_text().splitlines()
    # the run's certificate, its private key included, is gone with the run
    assert not Path(ca_file).parent.exists()
    log = (out / "cells" / "6.2-token-expiry" / "command.log").read_text()
    assert log.count("[REDACTED]") == 2
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_bytes()
            assert password.encode() not in text, path
            assert token.encode() not in text, path
            assert b"PRIVATE KEY" not in text, path


def test_a_signed_bundle_verifies_and_a_tampered_one_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = generate_keys(str(tmp_path / "vendor"))
    out = tmp_path / "bundle"
    script = [
        sys.executable,
        "-c",
        "import os, httpx; httpx.post(os.environ['SCV_URL'] + '/4.1/auth/login', json={"
        "'username': os.environ['SCV_USERNAME'], 'password': os.environ['SCV_PASSWORD']})",
    ]
    code = certify_client(
        out,
        "--no-tls",
        "--release",
        "4.4",
        "--condition",
        "transient-errors",
        "--sign",
        str(private),
        command=script,
    )
    assert code == 0
    assert (out / "MANIFEST.sig").is_file()
    assert main(["certify-client", "--verify", str(out), "--key", str(public)]) == 0
    (out / "cells" / "4.4-plain" / "cell.json").write_text('{"status": "passed"}')
    capsys.readouterr()
    assert main(["certify-client", "--verify", str(out), "--key", str(public)]) == 1
    assert "cells/4.4-plain/cell.json: changed" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--out", "{out}"], "give the integration's command after --"),
        (["--out", "{out}", "--", "no-such-integration"], "command not found: no-such-integration"),
        (["--out", "{out}", "--condition", "expired", "--", "true"], "unknown condition 'expired'"),
        (["--out", "{out}", "--release", "4.3", "--", "true"], "unknown release '4.3'"),
        (["--", "true"], "give --out DIR"),
    ],
)
def test_misuse_is_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    out = tmp_path / "bundle"
    shown = [a.replace("{out}", str(out)) for a in arguments]
    assert main(["certify-client", *shown]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("signum", "ignored"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["sigterm", "sigint-to-a-command-that-inherited-it-ignored"],
)
def test_a_stop_signal_stops_the_matrix_ends_the_commands_and_seals_what_ran(
    signum: int, ignored: bool, tmp_path: Path
) -> None:
    # a CI job's timeout: no integration (nor what it started) may outlive the run; two
    # cells run at once, a third waits for its turn. A script's background job inherits
    # SIGINT ignored (`trap '' INT` here): a SIGINT stops it all the same
    pids = tmp_path / "pids"
    pids.mkdir()
    sleeper = (
        f"import os, time; open(os.path.join({str(pids)!r}, str(os.getpid())), 'w').close(); "
        "time.sleep(60)"
    )
    out = tmp_path / "bundle"
    argv = [
        *(sys.executable, "-m", "conformance.cli", "certify-client", "--parallel", "2"),
        *("--release", "6.2", "--condition", "token-expiry", "--condition", "job-failure"),
        *("--out", str(out), "--", sys.executable, "-c", sleeper),
    ]
    if ignored:
        argv = with_sigint_ignored(argv)
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while len(list(pids.iterdir())) < 2:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        process.send_signal(signum)
        assert process.wait(timeout=30) == 3
    finally:
        if process.poll() is None:
            process.kill()
    assert all(gone(int(pid.name)) for pid in pids.iterdir())
    assert summary(out)["interrupted"] is True
    assert [c["reasons"] for c in summary(out)["cells"]] == [
        ["interrupted while it ran"],
        ["interrupted while it ran"],
        ["interrupted before it ran"],
    ]
    assert main(["certify-client", "--verify", str(out)]) == 0


def test_what_the_command_leaves_running_ends_with_its_cell(tmp_path: Path) -> None:
    pid_file = tmp_path / "daemon.pid"
    script = (
        "import os, subprocess, sys, httpx\n"
        "daemon = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(daemon.pid))\n"
        "httpx.post(os.environ['SCV_URL'] + '/4.1/auth/login', json={"
        "'username': os.environ['SCV_USERNAME'], 'password': os.environ['SCV_PASSWORD']})\n"
    )
    out = tmp_path / "bundle"
    code = main(
        [
            "certify-client",
            "--no-tls",
            "--release",
            "6.2",
            "--condition",
            "job-failure",
            "--out",
            str(out),
            "--",
            sys.executable,
            "-c",
            script,
        ]
    )
    assert code == 0
    assert gone(int(pid_file.read_text()))
