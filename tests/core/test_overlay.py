"""Overlay 1.0: reading overlay documents, applying them, and the contract they change."""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

import pytest
import yaml

from conformance.contract.overlay import (
    apply_overlays,
    normalized_path,
    parse_overlay,
    read_overlay,
)
from conformance.contract.spec import load_contract
from conformance.core.context import RunContext, from_manifest
from conformance.core.errors import UsageError
from conformance.core.manifest import Manifest
from conformance.core.settings import add_target_arguments, resolve
from conformance.http.session import Target

pytestmark = pytest.mark.unit

DOCUMENT = {
    "info": {"title": "t", "version": "1"},
    "components": {
        "schemas": {
            "Hosts": {
                "type": "object",
                "required": ["AvailableEsxHostsList", "count"],
                "properties": {
                    "AvailableEsxHostsList": {"type": "array"},
                    "count": {"type": "integer"},
                },
            },
            "State": {"type": "string", "enum": ["A", "B"]},
        }
    },
}


def overlay(*actions: dict) -> dict:
    return {"overlay": "1.0.0", "info": {"title": "test", "version": "1"}, "actions": list(actions)}


def apply(*actions: dict) -> dict:
    return apply_overlays(DOCUMENT, [parse_overlay(overlay(*actions))]).document


def test_update_merges_objects_deeply_and_keeps_the_rest() -> None:
    result = apply(
        {
            "target": "$.components.schemas.Hosts",
            "update": {"properties": {"availableEsxHostsList": {"type": "array"}}},
        }
    )
    hosts = result["components"]["schemas"]["Hosts"]
    assert set(hosts["properties"]) == {"AvailableEsxHostsList", "count", "availableEsxHostsList"}
    assert hosts["required"] == ["AvailableEsxHostsList", "count"]
    # the input is left alone
    assert "availableEsxHostsList" not in DOCUMENT["components"]["schemas"]["Hosts"]["properties"]


def test_update_of_an_array_appends_and_primitives_are_replaced() -> None:
    result = apply(
        {"target": "$.components.schemas.State.enum", "update": "C"},
        {"target": "$.components.schemas.State", "update": {"type": ["string", "null"]}},
    )
    state = result["components"]["schemas"]["State"]
    assert state["enum"] == ["A", "B", "C"]
    assert state["type"] == ["string", "null"]


def test_remove_takes_every_selected_node_out_of_its_parent() -> None:
    result = apply(
        {
            "target": "$.components.schemas.Hosts.required[?@ == 'AvailableEsxHostsList']",
            "remove": True,
        },
        {"target": "$.components.schemas.State.enum[*]", "remove": True},
        {"target": "$..properties.count", "remove": True},
    )
    schemas = result["components"]["schemas"]
    assert schemas["Hosts"]["required"] == ["count"]
    assert schemas["State"]["enum"] == []
    assert "count" not in schemas["Hosts"]["properties"]


def test_a_target_that_selects_nothing_is_reported_not_fatal() -> None:
    applied = apply_overlays(
        DOCUMENT, [parse_overlay(overlay({"target": "$.paths['/nowhere']", "remove": True}))]
    )
    assert applied.document == DOCUMENT
    assert applied.unmatched == ("overlay: $.paths['/nowhere']",)


def test_normalized_paths_select_exactly_their_node() -> None:
    target = normalized_path(["components", "schemas", "Hosts", "required"])
    assert target == "$['components']['schemas']['Hosts']['required']"
    result = apply({"target": target, "remove": True})
    assert "required" not in result["components"]["schemas"]["Hosts"]
    assert normalized_path(["paths", "/it's", 0]) == "$['paths']['/it\\'s'][0]"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not an Overlay document"),
        ({**overlay({"target": "$", "remove": True}), "overlay": "2.0.0"}, "not an Overlay 1.0"),
        ({"overlay": "1.0.0", "info": {"title": "t"}, "actions": []}, "info needs a title"),
        (overlay(), "actions must be a non-empty list"),
        (overlay({"target": "components", "remove": True}), "must be a JSONPath"),
        (overlay({"target": "$[", "remove": True}), "is not JSONPath"),
        (overlay({"target": "$.info"}), "needs update or remove"),
    ],
)
def test_a_malformed_overlay_is_a_one_line_usage_error(document: object, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        parse_overlay(document, "bad.yaml")
    assert "\n" not in str(caught.value)


def test_an_update_that_does_not_fit_its_target_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="selects a value"):
        apply({"target": "$.info.title", "update": {"x": 1}})
    with pytest.raises(UsageError, match="must be a mapping"):
        apply({"target": "$.info", "update": "text"})


def test_read_overlay_names_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        read_overlay(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("overlay: [1.0.0\n")
    with pytest.raises(UsageError, match="neither YAML nor JSON"):
        read_overlay(broken)


def _write(tmp_path: Path, name: str, document: dict) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_the_contract_loads_with_overlays_in_order_and_says_so(tmp_path: Path) -> None:
    first = _write(
        tmp_path,
        "first.yaml",
        overlay({"target": "$.components.schemas.JobType.enum", "update": "cleanup"}),
    )
    second = _write(
        tmp_path,
        "second.yaml",
        overlay(
            {"target": "$.components.schemas.JobType.enum[?@ == 'cleanup']", "remove": True},
            {"target": "$.components.schemas.JobType.enum", "update": "purge"},
        ),
    )
    plain = load_contract()
    both = load_contract(overlays=(first, second))
    assert both.document["components"]["schemas"]["JobType"]["enum"][-1] == "purge"
    assert "cleanup" not in both.document["components"]["schemas"]["JobType"]["enum"]
    assert "purge" not in plain.document["components"]["schemas"]["JobType"]["enum"]
    assert both.sha256 != plain.sha256
    assert both.overlays == (first, second)
    assert load_contract(overlays=(second, first)).sha256 != both.sha256


def test_overlay_flags_environment_and_config_resolve_to_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    one = _write(tmp_path, "one.yaml", overlay({"target": "$.info", "update": {"x-a": 1}}))
    two = _write(tmp_path, "two.yaml", overlay({"target": "$.info", "update": {"x-b": 2}}))
    parser = argparse.ArgumentParser()
    add_target_arguments(parser)
    flags = parser.parse_args(["--overlay", "one.yaml", "--overlay", "two.yaml"])
    assert resolve(flags, {}).overlays == (one, two)
    assert resolve(parser.parse_args([]), {"SCV_OVERLAYS": f"{one}{os.pathsep}{two}"}).overlays == (
        one,
        two,
    )
    config = tmp_path / "target.toml"
    config.write_text('overlays = ["two.yaml"]\n')
    assert resolve(parser.parse_args(["--config", str(config)]), {}).overlays == (two,)
    with pytest.raises(UsageError, match="--overlay: no such file"):
        resolve(parser.parse_args(["--overlay", "absent.yaml"]), {})


def test_the_suite_process_rebuilds_the_overlaid_contract(tmp_path: Path) -> None:
    learned = _write(
        tmp_path,
        "learned.yaml",
        overlay({"target": "$.components.schemas.JobType.enum", "update": "cleanup"}),
    )
    parser = argparse.ArgumentParser()
    add_target_arguments(parser)
    args = parser.parse_args(
        [
            "--target",
            "http://127.0.0.1:9",
            "--username",
            "u",
            "--password",
            "p",
            "--overlay",
            str(learned),
        ]
    )
    settings = resolve(args, {})
    target = Target(settings.target or "", "u", "p")
    context = RunContext(settings, target, load_contract(overlays=settings.overlays), "6.2", "6.2")
    settings = dataclasses.replace(settings, seed=1)
    context = dataclasses.replace(context, settings=settings)
    written = context.manifest(
        profile="smoke", run_dir=tmp_path / "run", junit_path=tmp_path / "run" / "junit.xml"
    ).write(tmp_path / "manifest.json")
    manifest = Manifest.read(written)
    assert manifest.overlays == (str(learned),)
    child = from_manifest(manifest, "p")
    assert "cleanup" in child.contract.document["components"]["schemas"]["JobType"]["enum"]
    assert child.settings.overlays == (learned,)
