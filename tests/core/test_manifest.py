"""The run manifest: written once by the parent, read by the child, without secrets."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from conformance.contract.spec import load_contract
from conformance.core.context import RunContext, from_manifest
from conformance.core.errors import UsageError
from conformance.core.manifest import (
    MANIFEST_VARIABLE,
    PASSWORD_VARIABLE,
    Manifest,
    child_variables,
    from_environment,
    manifest_path,
)
from conformance.core.settings import resolve
from conformance.http.session import Target

pytestmark = pytest.mark.unit

PASSWORD = "s3cret-Pa55"


def context(tmp_path: Path, **settings: object) -> RunContext:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not checked here")
    values = {
        "target": "https://scv.lab:8144",
        "username": "admin",
        "password": PASSWORD,
        "tls_verify": str(bundle),
        "seed": "42",
        **settings,
    }
    resolved = resolve(argparse.Namespace(**values), {})
    target = Target(resolved.target or "", "admin", PASSWORD, resolved.tls_verify, "https://vc.lab")
    return RunContext(resolved, target, load_contract(), "5.0", "5.0.1")


def test_the_child_rebuilds_the_parents_context_without_reading_settings(
    tmp_path: Path,
) -> None:
    parent = context(tmp_path, allow_destructive=True, max_examples="7")
    manifest = parent.manifest(
        profile="smoke",
        run_dir=tmp_path / "run",
        junit_path=tmp_path / "run" / "junit.xml",
        suites=["fuzz"],
        plugins=["conformance.fuzz.plugin"],
    )
    path = manifest.write(manifest_path(tmp_path / "run"))
    text = path.read_text()
    assert PASSWORD not in text
    read, password = from_environment(child_variables(path, PASSWORD))
    assert read == manifest and password == PASSWORD
    child = from_manifest(read, password)
    assert child.target == parent.target
    assert (child.release, child.reported_version) == ("5.0", "5.0.1")
    assert child.settings.seed == 42 and child.settings.max_examples == 7
    assert child.destructive_allowed and read.plugins == ("conformance.fuzz.plugin",)


def test_paths_are_absolute_whatever_folder_the_user_ran_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.pem").write_text("pem")
    settings = resolve(
        argparse.Namespace(tls_verify="certs/ca.pem", report_dir="out", seed="1"), {}
    )
    assert settings.tls_verify == str(tmp_path / "certs" / "ca.pem")
    assert settings.report_dir == tmp_path / "out"
    with pytest.raises(ValueError, match="absolute"):
        Manifest(**{**_fields(tmp_path), "run_dir": Path("relative")})


def test_a_child_without_a_manifest_says_so_in_one_line() -> None:
    with pytest.raises(UsageError, match=MANIFEST_VARIABLE):
        from_environment({PASSWORD_VARIABLE: PASSWORD})


def test_a_broken_manifest_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text('{"target": "x", "password": "p"}')
    with pytest.raises(UsageError, match="not a manifest"):
        Manifest.read(path)
    with pytest.raises(UsageError, match="manifest"):
        Manifest.read(tmp_path / "missing.json")


def _fields(tmp_path: Path) -> dict[str, object]:
    return {
        "target": "https://scv.lab/api",
        "vcenter": None,
        "username": "admin",
        "tls_verify": True,
        "release": "6.2",
        "reported_version": None,
        "embedded": False,
        "allow_destructive": False,
        "seed": 1,
        "profile": "smoke",
        "max_examples": None,
        "job_timeout": 120.0,
        "response_time_budget_ms": 1000,
        "run_dir": tmp_path,
        "allure_dir": tmp_path / "allure-results",
        "junit_path": tmp_path / "junit.xml",
    }


def test_strict_is_the_default_only_against_the_embedded_emulator(tmp_path: Path) -> None:
    real = context(tmp_path)
    assert real.strict is False
    embedded = RunContext(
        real.settings,
        Target("http://127.0.0.1:1/api", "a", "p", False, embedded=True),
        real.contract,
        "6.2",
        None,
    )
    assert embedded.strict is True
    assert context(tmp_path, strict=True).strict is True
    off = RunContext(resolve(argparse.Namespace(strict=False, seed="1"), {}), *_rest(embedded))
    assert off.strict is False


def _rest(ctx: RunContext) -> tuple[object, ...]:
    return ctx.target, ctx.contract, ctx.release, ctx.reported_version


def test_strict_travels_in_the_manifest(tmp_path: Path) -> None:
    parent = context(tmp_path, strict=True)
    manifest = parent.manifest(
        profile="smoke", run_dir=tmp_path / "run", junit_path=tmp_path / "run" / "j.xml"
    )
    path = manifest.write(manifest_path(tmp_path / "run"))
    read, password = from_environment(child_variables(path, PASSWORD))
    assert read.strict is True
    assert from_manifest(read, password).strict is True
