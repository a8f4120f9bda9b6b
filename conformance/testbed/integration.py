"""Running the integration's own command once for a cell, with the appliance in its env.

The command gets the SCV base URL (``SCV_URL``), the vCenter URL (``VCENTER_URL``), the
credentials (``SCV_USERNAME``, ``SCV_PASSWORD``) and, when the appliance speaks TLS, the CA
certificate to trust (``SCV_CA_FILE``); everything else of the environment is passed on.
It runs in a session of its own, so that a timeout or Ctrl-C ends it and every process it
started. Its output is kept (bounded, and once the cell's secrets are known, redacted) for the
cell's report.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance.core.errors import UsageError
from conformance.http.redaction import redact_text

URL_VARIABLE = "SCV_URL"
VCENTER_VARIABLE = "VCENTER_URL"
USERNAME_VARIABLE = "SCV_USERNAME"
PASSWORD_VARIABLE = "SCV_PASSWORD"
CA_VARIABLE = "SCV_CA_FILE"
#: How much of the command's output a cell keeps (the head, where errors usually start).
OUTPUT_LIMIT_BYTES = 1024 * 1024
#: What is read past the limit, so that a secret across it is redacted before the cut.
OUTPUT_SLACK_BYTES = 4096
#: How long a command has to end after SIGTERM before it is killed.
TERMINATE_GRACE_SECONDS = 3.0
#: How long what the command left running has to end after SIGTERM before it is killed.
LEFTOVER_GRACE_SECONDS = 0.5
#: How often a waiting cell looks whether the matrix was asked to stop.
STOP_POLL_SECONDS = 0.1
OUTPUT_FILE = "command.log"


@dataclass(frozen=True)
class Appliance:
    """What the command is told about the appliance it drives."""

    scv_url: str
    vcenter_url: str
    username: str
    password: str
    ca_file: str | None = None

    def environment(self) -> dict[str, str]:
        """The variables the command reads the appliance from."""
        env = {
            URL_VARIABLE: self.scv_url,
            VCENTER_VARIABLE: self.vcenter_url,
            USERNAME_VARIABLE: self.username,
            PASSWORD_VARIABLE: self.password,
        }
        if self.ca_file:
            env[CA_VARIABLE] = self.ca_file
        return env


@dataclass(frozen=True)
class Outcome:
    """How the command ended: its exit code, or that it ran out of time."""

    exit_code: int | None
    timed_out: bool
    duration_seconds: float
    #: the head of what the command printed (stdout and stderr), not yet redacted: a
    #: little past the limit, cut once redacted (:func:`write_output`)
    output: bytes = field(default=b"", repr=False)
    output_truncated: bool = False

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def describe(self, timeout: float) -> str:
        """One line: how the command ended."""
        if self.timed_out:
            return f"the command did not end within {timeout:g} s"
        if self.exit_code is not None and self.exit_code < 0:
            return f"the command was killed by signal {-self.exit_code}"
        return f"the command exited {self.exit_code}"


def resolve_command(argv: Sequence[str]) -> list[str]:
    """``argv`` with its program found; UsageError when there is none or it is not found."""
    if not argv:
        raise UsageError("certify-client: give the integration's command after --")
    program = argv[0]
    found = shutil.which(program)
    if found is None:
        raise UsageError(f"certify-client: command not found: {program}")
    return [found, *argv[1:]]


def run_command(
    argv: Sequence[str],
    appliance: Appliance,
    timeout: float,
    folder: Path,
    base_env: Mapping[str, str] | None = None,
    stop: threading.Event | None = None,
) -> Outcome:
    """Run ``argv`` once against ``appliance`` (its output is buffered in ``folder``).

    ``stop`` set (Ctrl-C or SIGTERM seen by the main thread while this one waits) ends the
    command and raises KeyboardInterrupt here too.
    """
    env = {**(os.environ if base_env is None else base_env), **appliance.environment()}
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    timed_out = False
    with tempfile.TemporaryFile(dir=folder) as raw:
        try:
            process = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=raw,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            raise UsageError(
                f"certify-client: cannot run {argv[0]}: {exc.strerror or exc}"
            ) from None
        try:
            timed_out = not _wait(process, started + timeout, stop)
            if timed_out:
                _end(process)
        except BaseException:
            # Ctrl-C: the command is in a session of its own and did not see it
            _end(process)
            raise
        duration = time.monotonic() - started
        # what it left running in the background ends with the cell
        _end_group(process.pid)
        raw.seek(0)
        head = raw.read(OUTPUT_LIMIT_BYTES + OUTPUT_SLACK_BYTES)
    return Outcome(
        exit_code=None if timed_out else process.returncode,
        timed_out=timed_out,
        duration_seconds=round(duration, 3),
        output=head,
        output_truncated=len(head) > OUTPUT_LIMIT_BYTES,
    )


def write_output(outcome: Outcome, folder: Path, secrets: Iterable[str]) -> Path:
    """The command's output, every secret redacted, as ``folder/command.log``."""
    # redacted before it is cut: a secret cut in two is one no redaction finds
    text = redact_text(outcome.output.decode("utf-8", errors="replace"), secrets)
    if outcome.output_truncated:
        text = text.encode("utf-8")[:OUTPUT_LIMIT_BYTES].decode("utf-8", errors="ignore")
        text += f"\n[output cut at {OUTPUT_LIMIT_BYTES} bytes]\n"
    path = folder / OUTPUT_FILE
    path.write_text(text, encoding="utf-8")
    return path


def _wait(process: subprocess.Popen[bytes], deadline: float, stop: threading.Event | None) -> bool:
    """Wait for the command to end: True when it did, False at the deadline;
    KeyboardInterrupt when ``stop`` is set meanwhile."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            process.wait(timeout=min(remaining, STOP_POLL_SECONDS))
            return True
        except subprocess.TimeoutExpired:
            if stop is not None and stop.is_set():
                raise KeyboardInterrupt from None


def _end_group(group: int) -> None:
    """Stop what is left of a session whose leader has ended: SIGTERM, a short grace, then
    SIGKILL. (Not polled to the end: a stopped process stays visible to the group until
    whatever adopted it reaps it, which in a container may be never.)"""
    try:
        os.killpg(group, signal.SIGTERM)
    except ProcessLookupError:
        return
    time.sleep(LEFTOVER_GRACE_SECONDS)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


def _end(process: subprocess.Popen[bytes]) -> None:
    """Stop the command and every process of its session: SIGTERM, then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, TERMINATE_GRACE_SECONDS), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
