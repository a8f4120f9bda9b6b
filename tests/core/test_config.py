"""Settings: flags win over environment variables, which win over the config file."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from conformance.core.errors import UsageError
from conformance.core.option_table import target_url
from conformance.core.settings import (
    POOL_SEPARATOR,
    add_target_arguments,
    resolve,
)

pytestmark = pytest.mark.unit


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_target_arguments(parser)
    parser.add_argument("--job-timeout", default=argparse.SUPPRESS)
    return parser.parse_args(list(argv))


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "target.toml"
    path.write_text(text)
    return path


def test_flags_win_over_environment_over_file(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        """
target = "https://file.lab:8144"
username = "file-user"
password = "file-pass"
seed = 3
max_examples = 7
[budgets]
getJobs = 5000
[inventory]
vm = "finance-app01"
""",
    )
    env = {"SCV_TARGET": "https://env.lab:8144/api", "SCV_USERNAME": "env-user", "SCV_SEED": "5"}
    settings = resolve(parse("--config", str(config), "--username", "flag-user"), env)
    assert settings.target == "https://env.lab:8144/api"
    assert settings.username == "flag-user"
    assert settings.password == "file-pass"
    assert settings.seed == 5
    assert settings.max_examples == 7
    assert settings.budgets == {"getJobs": 5000}
    assert settings.inventory == {"vm": "finance-app01"}
    assert "file-pass" not in repr(settings)


def test_pools_of_the_inventory_are_read_as_lists(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        '[inventory]\nvm = "app01"\nvms = ["app02", " app03 "]\ndatastores = "ds02"\n',
    )
    inventory = resolve(parse("--config", str(config)), {}).inventory
    assert inventory["vm"] == "app01"
    assert inventory["vms"].split(POOL_SEPARATOR) == ["app02", "app03"]
    assert inventory["datastores"].split(POOL_SEPARATOR) == ["ds02"]


def test_config_file_can_come_from_the_environment(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'target = "http://127.0.0.1:9001"\n')
    settings = resolve(parse(), {"SCV_CONFIG": str(config)})
    assert settings.target == "http://127.0.0.1:9001/api"
    assert settings.config_file == config


@pytest.mark.parametrize(
    "given,expected",
    [
        ("https://scv.lab:8144", "https://scv.lab:8144/api"),
        ("https://scv.lab:8144/", "https://scv.lab:8144/api"),
        ("https://scv.lab:8144/api/", "https://scv.lab:8144/api"),
        ("https://proxy.lab/scv/api", "https://proxy.lab/scv/api"),
    ],
)
def test_api_is_assumed_when_the_target_has_no_path(given: str, expected: str) -> None:
    assert target_url(given) == expected


def test_defaults_without_any_source() -> None:
    settings = resolve(parse(), {})
    assert settings.target is None
    assert settings.tls_verify is True
    assert settings.allow_destructive is False
    assert settings.report_dir == Path("reports").absolute()
    assert settings.job_timeout == 120.0
    # a cleanup may wait for a running job and then for one of its own
    assert settings.cleanup_grace is None and settings.cleanup_seconds == 60 + 2 * 120.0


def test_the_cleanup_grace_follows_the_job_timeout_unless_given() -> None:
    assert resolve(parse("--job-timeout", "600"), {}).cleanup_seconds == 60 + 2 * 600.0
    given = resolve(parse("--job-timeout", "600"), {"SCV_CLEANUP_GRACE": "45"})
    assert given.cleanup_seconds == 45.0


def test_tls_verify_false_and_ca_bundle(tmp_path: Path) -> None:
    assert resolve(parse("--tls-verify", "false"), {}).tls_verify is False
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert resolve(parse(), {"SCV_TLS_VERIFY": str(bundle)}).tls_verify == str(bundle)


@pytest.mark.parametrize(
    "argv,env,message",
    [
        (("--target", "ftp://scv.lab"), {}, "--target: not an http(s) URL"),
        (("--seed", "x"), {}, "--seed: not a whole number"),
        (("--max-examples", "0"), {}, "--max-examples: must be at least 1"),
        (("--tls-verify", "/no/such/ca.pem"), {}, "--tls-verify: no CA bundle"),
        (("--appliance-version", "four"), {}, "--appliance-version: not a release number"),
        ((), {"SCV_ALLOW_DESTRUCTIVE": "maybe"}, "--allow-destructive: expected true or false"),
        ((), {"SCV_JOB_TIMEOUT": "-1"}, "--job-timeout: must be positive"),
        (("--config", "/no/such.toml"), {}, "--config: no such file"),
    ],
)
def test_bad_values_are_one_line_config_errors(
    argv: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        resolve(parse(*argv), env)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_bad_config_files_are_config_errors(tmp_path: Path) -> None:
    for text, message in (
        ("target = ", "is not valid TOML"),
        ("colour = 'blue'", "unknown setting 'colour'"),
        ("[inventory]\nprinter = 'x'", "unknown inventory name 'printer'"),
        ("[inventory]\nvms = [1, 2]", "inventory vms must be a list of names"),
        ("[inventory]\nvms = ['a', '']", "inventory vms must be a list of names"),
        ("[budgets]\ngetJobs = 'slow'", "budgets.getJobs: not a whole number"),
    ):
        with pytest.raises(UsageError, match=message):
            resolve(parse("--config", str(write_config(tmp_path, text))), {})


def test_strict_from_flag_environment_or_file(tmp_path: Path) -> None:
    assert resolve(parse(), {}).strict is None, "unset: the target decides"
    assert resolve(parse("--strict"), {}).strict is True
    assert resolve(parse("--no-strict"), {"SCV_STRICT": "true"}).strict is False
    assert resolve(parse(), {"SCV_STRICT": "1"}).strict is True
    config = write_config(tmp_path, "strict = true\n")
    assert resolve(parse("--config", str(config)), {}).strict is True
    with pytest.raises(UsageError, match="--strict"):
        resolve(parse(), {"SCV_STRICT": "maybe"})


def test_every_documented_run_of_the_example_config_gives_the_password() -> None:
    """examples/emulator-target.toml holds no password (so it draws no warning): a command
    block of the docs that runs it sets SCV_PASSWORD, or the newcomer gets exit 2."""
    root = Path(__file__).resolve().parents[2]
    example = (root / "examples" / "emulator-target.toml").read_text()
    assert "\npassword" not in example
    pages = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    blocks = [
        (page.name, block)
        for page in pages
        for block in page.read_text().split("```")[1::2]
        if "--config examples/emulator-target.toml" in block
    ]
    assert blocks, "no page runs the example config any more"
    assert [name for name, block in blocks if "SCV_PASSWORD" not in block] == []
