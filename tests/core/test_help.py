"""`--help` sorts each command's options into sections and ends with the exit codes; the
README's exit-code table says the same as the help."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance import cli
from conformance.core.errors import EXIT_CODE_MEANINGS
from conformance.core.help_sections import SECTIONS
from conformance.core.option_table import OPTIONS

pytestmark = pytest.mark.unit

README = Path(__file__).resolve().parents[2] / "README.md"


def _help(*command: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stop:
        cli.main([*command, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


def _sections(text: str) -> dict[str, list[str]]:
    """Section title -> the flags listed under it."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
            sections[current] = []
        elif current and line.startswith("  -"):
            sections[current] += re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", line.split("  ")[1])
    return sections


def test_every_option_of_the_table_names_a_section() -> None:
    for option in OPTIONS:
        if option.flag:
            assert option.section in SECTIONS, option.name


def test_run_help_lists_its_options_by_section_in_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = _help("run", capsys=capsys)
    sections = _sections(text)
    titles = [t for t in sections if t in SECTIONS.values()]
    assert titles == [t for t in SECTIONS.values() if t in titles]
    assert len(titles) == len(SECTIONS), titles
    where = {flag: title for title, flags in sections.items() for flag in flags}
    assert where["--target"] == where["--password"] == SECTIONS["target"]
    assert where["--only"] == where["--include-tag"] == where["--checks"] == SECTIONS["selection"]
    assert where["--max-time"] == where["--concurrency"] == SECTIONS["limits"]
    assert where["--max-failures"] == where["--exitfirst"] == SECTIONS["limits"]
    assert where["--report-dir"] == where["--record"] == where["--report"] == SECTIONS["reports"]
    assert where["--overlay"] == where["--strict"] == where["--baseline"] == SECTIONS["verdicts"]
    assert where["--fault"] == where["--latency-ms"] == SECTIONS["emulator"]
    assert where["--allow-destructive"] == where["--dry-run"] == SECTIONS["safety"]
    assert where["--fleet"] == SECTIONS["fleet"]
    # nothing is left in argparse's catch-all group but --help
    assert sections["options"] == ["-h", "--help"]
    usage = "usage: scv-conformance run [--target URL | --fleet FILE] [options]"
    assert text.splitlines()[0] == usage


@pytest.mark.parametrize("command", ["run", "fuzz", "scenarios"])
def test_suite_commands_end_with_the_exit_codes(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _help(command, capsys=capsys)
    block = " ".join(text.split("exit codes:\n", 1)[1].split())
    for code, meaning in EXIT_CODE_MEANINGS.items():
        assert f"{int(code)} {meaning}" in block


def test_the_readme_table_says_what_the_help_says() -> None:
    rows = dict(re.findall(r"^\| (\d) \| (.+?) \|$", README.read_text(), re.MULTILINE))
    assert {int(k): v.replace("`", "") for k, v in rows.items()} == {
        int(k): v for k, v in EXIT_CODE_MEANINGS.items()
    }


def test_certify_help_separates_certifying_verifying_and_making_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = _help("certify", capsys=capsys)
    usage = text.split("\n\n", 1)[0].splitlines()
    assert [line.split("certify ", 1)[1].split()[0] for line in usage] == [
        "--out",
        "--verify",
        "--keygen",
    ]
    sections = _sections(text)
    assert sections["certify a target (with the options of the run below)"] == ["--out", "--sign"]
    assert sections["verify a bundle"] == ["--verify", "--key"]
    assert sections["make a signing key"] == ["--keygen"]
    assert "--workers" in sections[SECTIONS["limits"]]
    block = " ".join(text.split("exit codes:\n", 1)[1].split())
    assert "1 conformance failures found; --verify: a file tampered with" in block


@pytest.mark.parametrize(
    "command",
    [
        *("check", "proxy", "diff", "certify-client", "report", "drift", "learn"),
        *("token", "certify", "emulate"),
    ],
)
def test_every_judging_command_lists_its_exit_codes(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    block = _help(command, capsys=capsys).split("exit codes:\n", 1)[1]
    codes = [line.split()[0] for line in block.splitlines() if re.match(r"  \d  ", line)]
    assert codes[0] == "0" and "2" in codes and codes == sorted(codes), codes
