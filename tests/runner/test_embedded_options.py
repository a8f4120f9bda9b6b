"""`run --fault` and the other options of the embedded emulator: what they ask of it, and
a usage error where there is no embedded emulator."""

from __future__ import annotations

import pytest

from conformance.cli import build_parser, main
from conformance.core.errors import UsageError
from conformance.core.settings import Settings, resolve
from conformance.run.target import embedded_config

pytestmark = pytest.mark.unit


def _settings(*argv: str) -> Settings:
    return resolve(build_parser().parse_args(["run", *argv]), environ={})


def test_the_options_shape_the_embedded_emulator() -> None:
    config = embedded_config(
        _settings(
            *("--fault", "stack-trace", "--fault", "server-error", "--fault", "stack-trace"),
            *("--condition", "token-expiry", "--release-variant", "next"),
            *("--latency-ms", "25", "--job-duration", "2.5", "--appliance-version", "5.0"),
        )
    )
    assert config.faults == ("stack-trace", "server-error")
    assert config.conditions == ("token-expiry",)
    assert config.release_variant == "next" and config.appliance_version == "5.0"
    assert config.latency_ms == 25.0 and config.job_duration == 2.5
    plain = embedded_config(_settings())
    assert plain.faults == () and plain.latency_ms == 0.0 and plain.job_duration == 0.3


def test_a_name_the_emulator_does_not_play_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--fault: the emulator plays no 'bogus'; choose from"):
        embedded_config(_settings("--fault", "bogus"))
    with pytest.raises(UsageError, match="--condition: the emulator plays no 'rain'"):
        embedded_config(_settings("--condition", "rain"))
    with pytest.raises(UsageError, match="--release-variant: the emulator plays no 'x'"):
        embedded_config(_settings("--release-variant", "x"))
    with pytest.raises(UsageError, match="--latency-ms: must be at least 0"):
        _settings("--latency-ms", "-1")


@pytest.mark.parametrize(
    "option", [["--fault", "stack-trace"], ["--latency-ms", "5"], ["--job-duration", "1"]]
)
def test_with_a_target_they_are_a_usage_error(
    option: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--target", "https://scv.lab:8144", *option, "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert f"error: {option[0]}: only the embedded emulator plays it" in err


def test_the_dry_run_names_what_the_emulator_would_play(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # the header on one line, whatever the terminal
    argv = ["run", "--dry-run", "--only", "fuzz", "--include-tag", "jobs"]
    assert main([*argv, "--fault", "stack-trace", "--condition", "token-expiry"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert "target the embedded emulator, playing fault stack-trace, condition token-expiry" in (
        header
    )
