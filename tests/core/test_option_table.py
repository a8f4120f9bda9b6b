"""Each option is declared once (conformance.core.option_table): every place that has a default
for it agrees with the declaration, and its bounds hold from the flag, the environment and
the configuration file alike."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from conformance import cli
from conformance.core import option_table
from conformance.core.context import AS_IS, RunContext, from_manifest
from conformance.core.errors import UsageError
from conformance.core.manifest import Manifest
from conformance.core.option_table import OPTIONS, Manifested
from conformance.core.settings import DEFAULTS, ENVIRONMENT, Settings, add_target_arguments, resolve
from conformance.http.bounds import REQUEST_DEADLINE_SECONDS
from conformance.http.session import Target

pytestmark = pytest.mark.unit


def _field_defaults(cls: type) -> dict[str, object]:
    return {
        f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_target_arguments(parser)
    option_table.add_option(parser, "job_timeout")
    return parser


def test_every_default_agrees_with_the_declaration() -> None:
    settings_defaults = _field_defaults(Settings)
    manifest_defaults = _field_defaults(Manifest)
    resolved = resolve(_parser().parse_args([]), environ={})
    for option in OPTIONS:
        if option.name in settings_defaults:
            assert settings_defaults[option.name] == option.default, option.name
        if option.manifest is Manifested.AS_IS and option.name in manifest_defaults:
            assert manifest_defaults[option.name] == option.default, option.name
        if option.name in DEFAULTS:
            parsed = option.parse(option.default, option.label)
            assert getattr(resolved, option.name) == parsed, option.name
    # the session's own deadline, for clients made outside a run, is the run's default
    assert option_table.default("request_timeout") == REQUEST_DEADLINE_SECONDS


def test_the_help_says_the_declared_default() -> None:
    helps = {a.dest: a.help or "" for a in _parser()._actions}
    assert "(default: 60)" in helps["request_timeout"]
    assert "(default: 8;" not in helps["concurrency"] and "(default: 8)" in helps["concurrency"]
    assert "(default: 120)" in helps["job_timeout"]


def test_each_option_has_one_flag_variable_and_key() -> None:
    flags = [o.flag for o in OPTIONS if o.flag]
    assert len(flags) == len(set(flags))
    assert ENVIRONMENT["request_timeout"] == "SCV_REQUEST_TIMEOUT"
    assert ENVIRONMENT["config"] == "SCV_CONFIG"
    assert "headers" not in ENVIRONMENT and "config" not in DEFAULTS
    settings_fields = {f.name for f in dataclasses.fields(Settings)}
    manifest_fields = {f.name for f in dataclasses.fields(Manifest)}
    assert set(DEFAULTS) <= settings_fields
    for option in AS_IS:
        assert option.name in settings_fields and option.name in manifest_fields, option.name


def test_options_the_manifest_holds_as_they_are_reach_the_child(tmp_path: Path) -> None:
    parser = _parser()
    args = parser.parse_args(
        [
            *("--request-timeout", "7.5", "--concurrency", "3", "--max-examples", "4"),
            *("--seed", "9", "--job-timeout", "30", "--allow-destructive"),
        ]
    )
    settings = resolve(args, environ={"SCV_RESPONSE_TIME_BUDGET_MS": "250"})
    target = Target(base_url="https://scv.lab:8144/api", username="u", password="p")
    context = RunContext(settings, target, contract=None, release="6.2", reported_version=None)  # type: ignore[arg-type]
    manifest = context.manifest(profile="smoke", run_dir=tmp_path, junit_path=tmp_path / "j.xml")
    assert AS_IS
    for option in AS_IS:
        assert getattr(manifest, option.name) == getattr(settings, option.name), option.name
    manifest.write(tmp_path / "m.json")
    child = from_manifest(Manifest.read(tmp_path / "m.json"), "p")
    for option in AS_IS:
        assert getattr(child.settings, option.name) == getattr(settings, option.name), option.name


BAD_LIMITS = (
    [("request_timeout", value) for value in ("nan", "inf", "-inf", "-1", "0", "1e9", "abc")]
    + [("max_time", value) for value in ("nan", "inf", "-5", "0", "1e12")]
    + [("cleanup_grace", value) for value in ("nan", "inf", "-1", "0", "1e9")]
    + [("job_timeout", value) for value in ("nan", "inf", "0", "1e9")]
    + [("concurrency", value) for value in ("0", "-1", "100000000", "1.5", "nan")]
    + [("max_examples", value) for value in ("0", "-3", "100000000", "inf")]
    + [("seed", value) for value in ("-1", str(2**64))]
    + [("response_time_budget_ms", value) for value in ("0", "999999999999")]
)


@pytest.mark.parametrize(("name", "value"), BAD_LIMITS)
def test_a_bad_limit_is_a_usage_error_from_each_source(
    name: str, value: str, tmp_path: Path
) -> None:
    option = option_table.BY_NAME[name]
    sources = [({}, {option.variable: value} if option.variable else None)]
    config = tmp_path / "scv.toml"
    config.write_text(f'{name} = "{value}"\n')
    config.chmod(0o600)
    sources.append(({"config": str(config)}, {}))
    if option.flag:
        sources.append(({option.name: value}, {}))
    for flags, environ in sources:
        if environ is None:
            continue
        with pytest.raises(UsageError) as raised:
            resolve(argparse.Namespace(**flags), environ=environ)
        message = str(raised.value)
        assert "\n" not in message and message.startswith(f"--{option.label}:"), message


@pytest.mark.parametrize("name", ["request_timeout", "max_time", "cleanup_grace"])
def test_a_sane_limit_is_kept(name: str) -> None:
    settings = resolve(argparse.Namespace(**{name: "12.5"}), environ={})
    assert getattr(settings, name) == 12.5


@pytest.mark.parametrize(
    "header", ["X-Trace: a\r\nX-Injected: b", "X-Trace: a\nb", "X-Trace: a\rb", "X-Trace: a\0b"]
)
def test_a_header_with_a_line_break_is_a_usage_error(header: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as raised:
        resolve(argparse.Namespace(header=[header]), environ={})
    assert "line break or NUL" in str(raised.value) and "\n" not in str(raised.value)
    config = tmp_path / "scv.toml"
    config.write_text('[headers]\nX-Trace = "a\\r\\nX-Injected: b"\n')
    config.chmod(0o600)
    with pytest.raises(UsageError):
        resolve(argparse.Namespace(config=str(config)), environ={})


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--dry-run", "--concurrency", "100000000"],
        ["run", "--dry-run", "--request-timeout", "nan"],
        ["fuzz", "--dry-run", "--max-time", "inf"],
        ["scenarios", "--dry-run", "--cleanup-grace", "-1"],
        ["run", "--dry-run", "--header", "X-A: b\r\nX-C: d"],
    ],
)
def test_the_command_ends_with_exit_2_and_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("scv-conformance: error: --"), err


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--dry-run", "--workers", "100000"],
        ["run", "--fleet", "f.toml", "--fleet-concurrency", "0"],
        ["run", "--dry-run", "--max-failures", "-1"],
    ],
)
def test_a_bad_count_is_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_guide_shows_the_declared_table() -> None:
    guide = (Path(__file__).parents[2] / "docs" / "real-appliance.md").read_text()
    assert option_table.markdown_table() in guide, (
        "regenerate: python -m conformance.core.option_table"
    )
