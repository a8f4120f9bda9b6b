"""`scv-conformance token`: the session token on standard output and nothing else; errors
are one line on standard error with the exit code of the exit-code table."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.cli import build_parser, main
from conformance.core.errors import UsageError
from conformance.core.settings import resolve
from conformance.emulator import EmbeddedEmulator, EmulatorConfig
from conformance.run.login import print_token

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmbeddedEmulator]:
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False)) as running:
        yield running


def _token(emulator: EmbeddedEmulator, *more: str) -> int:
    return main(["token", "--target", emulator.base_url, "--username", emulator.username, *more])


def test_prints_a_working_token_and_nothing_else(
    emulator: EmbeddedEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCV_PASSWORD", emulator.password)
    assert _token(emulator) == 0
    output = capsys.readouterr()
    assert output.err == ""
    token = output.out.removesuffix("\n")
    assert token and "\n" not in token and token != emulator.password
    answer = httpx.get(f"{emulator.base_url}/4.1/policies", headers={"Token": token})
    assert answer.status_code == 200
    # no report, no log: the token is written nowhere but standard output
    assert list(tmp_path.iterdir()) == []


def test_a_refused_password_is_exit_3_in_one_line(
    emulator: EmbeddedEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCV_PASSWORD", "not-the-password")
    assert _token(emulator) == 3
    output = capsys.readouterr()
    assert output.out == ""
    assert output.err.count("\n") == 1 and "refused (HTTP 401)" in output.err
    assert "not-the-password" not in output.err


def test_without_a_target_or_credentials_it_is_a_usage_error(
    emulator: EmbeddedEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SCV_PASSWORD", raising=False)
    monkeypatch.delenv("SCV_TARGET", raising=False)
    assert main(["token", "--username", "u", "--password", "p"]) == 2
    assert "token: give --target URL" in capsys.readouterr().err
    assert _token(emulator) == 2
    assert "needs credentials" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_the_token_only_with_show(emulator: EmbeddedEmulator) -> None:
    argv = ["token", "--target", emulator.base_url, "--username", emulator.username]
    settings = resolve(build_parser().parse_args([*argv, "--password", emulator.password]))
    terminal = _Terminal()
    with pytest.raises(UsageError, match="standard output is a terminal"):
        print_token(settings, out=terminal)
    assert terminal.getvalue() == ""
    assert print_token(settings, show=True, out=terminal) == 0
    assert terminal.getvalue().strip()
