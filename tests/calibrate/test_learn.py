"""`learn`: an Overlay that makes the contract accept what an appliance really sends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator

from conformance.calibrate.explore import Answer, Explorer
from conformance.cli import main
from conformance.contract.overlay import parse_overlay
from conformance.contract.spec import Contract, load_contract
from conformance.emulator import EmbeddedEmulator, EmulatorConfig
from conformance.http.session import ScvSession, Target
from tests.calibrate.variant import RunningVariant, serve_variant

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def variant() -> Iterator[RunningVariant]:
    with serve_variant() as running:
        yield running


def learn(variant: RunningVariant, out: Path) -> int:
    return main(
        [
            "learn",
            "--target",
            variant.base_url,
            "--username",
            variant.username,
            "--password",
            variant.password,
            "--out",
            str(out),
        ]
    )


def recorded_answers(base_url: str, username: str, password: str) -> list[Answer]:
    """The answers to the calls learn makes, made again."""
    contract = load_contract()
    with ScvSession(Target(base_url, username, password)) as session:
        return Explorer(session, contract, "6.2").run()


def misfits(contract: Contract, answers: list[Answer]) -> list[str]:
    """Answers that break the schema their contract gives for their status.

    Deliberately written apart from learn's own validation: each response schema with
    the document's components beside it, format checks on.
    """
    components = contract.document["components"]
    found = []
    for answer in answers:
        definition = contract.document["paths"][answer.path][answer.method]
        response = definition["responses"].get(str(answer.status))
        if response is None or not answer.is_json:
            continue
        if "$ref" in response:
            response = components["responses"][response["$ref"].rsplit("/", 1)[1]]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            continue
        validator = Draft202012Validator(
            {**schema, "components": components},
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        errors = list(validator.iter_errors(answer.body))
        if errors:
            found.append(f"{answer.operation_id} {answer.status}: {errors[0].message}")
    return found


def actions_touching(overlay: dict[str, Any], text: str) -> list[dict[str, Any]]:
    return [a for a in overlay["actions"] if text in yaml.safe_dump(a)]


def test_learn_then_the_overlaid_contract_accepts_every_answer(
    variant: RunningVariant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "learned.yaml"
    assert learn(variant, out) == 0
    console = capsys.readouterr().out
    assert f"wrote {out}" in console and "still not fitting" not in console

    answers = recorded_answers(variant.base_url, variant.username, variant.password)
    assert len(answers) > 20
    plain = misfits(load_contract(), answers)
    assert any(m.startswith("getPolicies 200") for m in plain)
    assert any(m.startswith("getJobs 200") for m in plain)
    # without responseMessage, nearly every answer breaks the contract
    assert len(plain) >= len(answers) - 2
    assert misfits(load_contract(overlays=(out,)), answers) == []


def test_each_learned_action_names_what_it_saw_and_its_evidence(
    variant: RunningVariant, tmp_path: Path
) -> None:
    out = tmp_path / "learned.yaml"
    assert learn(variant, out) == 0
    overlay = yaml.safe_load(out.read_text())
    parse_overlay(overlay)
    assert overlay["overlay"] == "1.0.0" and overlay["info"]["version"] == "6.2"
    for action in overlay["actions"]:
        assert action["x-evidence"] == "observed"
        assert action["x-observed-version"] == "6.2"
        assert action["target"].startswith("$")
    spelling = actions_touching(overlay, "PolicyResponseList")
    assert any(isinstance(a.get("update"), dict) and "properties" in a["update"] for a in spelling)
    assert any(a.get("update") == "SUCCEEDED" for a in overlay["actions"]), "enum extended"
    updates = [a["update"] for a in overlay["actions"] if isinstance(a.get("update"), dict)]
    assert any("jobOwner" in u.get("properties", {}) for u in updates), "extra field described"
    assert any(
        a["target"].startswith("$['components']['schemas']['Timestamp']") and a.get("remove")
        for a in overlay["actions"]
    ), "the time format relaxed"
    assert any(
        a["target"] == "$['components']['schemas']['Envelope']['required']" and a.get("remove")
        for a in overlay["actions"]
    ), "responseMessage no longer required"
    contract = load_contract(overlays=(out,))
    schemas = contract.document["components"]["schemas"]
    timestamp = {**schemas["Timestamp"], "components": contract.document["components"]}
    assert Draft202012Validator(timestamp).is_valid("2026-11-27 03:15:02")
    assert "responseMessage" not in schemas["Envelope"]["required"]
    assert "statusCode" in schemas["Envelope"]["required"]


def test_learn_only_reads(variant: RunningVariant, tmp_path: Path) -> None:
    variant.variant.methods.clear()
    assert learn(variant, tmp_path / "learned.yaml") == 0
    methods = {call.split()[0] for call in variant.variant.methods}
    assert methods == {"GET", "POST"}
    # the preflight's login and learn's own: nothing else that is not a read
    posts = [c for c in variant.variant.methods if c.startswith("POST")]
    assert set(posts) == {"POST /api/4.1/auth/login"} and len(posts) <= 2


def test_the_conformant_emulator_needs_no_adaptation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "learned.yaml"
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False)) as emulator:
        code = main(
            [
                "learn",
                "--target",
                emulator.base_url,
                "--username",
                emulator.username,
                "--password",
                emulator.password,
                "--out",
                str(out),
            ]
        )
    assert code == 0
    overlay = yaml.safe_load(out.read_text())
    assert [a["target"] for a in overlay["actions"]] == ["$.info"]
    assert emulator.password not in capsys.readouterr().out


def test_learn_calls_detail_operations_with_ids_from_list_answers(
    variant: RunningVariant,
) -> None:
    answers = recorded_answers(variant.base_url, variant.username, variant.password)
    by_operation = {a.operation_id: a for a in answers}
    listed = by_operation["getJobs"].body["response"]["jobResponseList"][0]["id"]
    assert by_operation["getJob"].status == 200
    assert by_operation["getJob"].parameters == {"id": str(listed)}
    assert by_operation["getVmSnapshotLocations"].status == 200
    called = {a.operation_id for a in answers}
    gets = {op.operation_id for op in load_contract().operations if op.method == "get"}
    assert gets <= called


def test_learn_needs_a_target_and_an_answering_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["learn", "--out", str(tmp_path / "o.yaml")]) == 2
    assert "learn needs --target" in capsys.readouterr().err
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False)) as stopped:
        url = stopped.base_url
    code = main(
        [
            "learn",
            "--target",
            url,
            "--username",
            "u",
            "--password",
            "p",
            "--out",
            str(tmp_path / "o.yaml"),
        ]
    )
    assert code == 3
    err = capsys.readouterr().err
    assert "unreachable" in err and err.count("\n") == 1
    assert not (tmp_path / "o.yaml").exists()


def test_learn_runs_the_preflight_a_wrong_password_ends_it_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "o.yaml"
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False)) as emulator:
        arguments = ["learn", "--target", emulator.base_url, "--username", emulator.username]
        code = main([*arguments, "--password", "not-the-password", "--out", str(out)])
    assert code == 3
    err = capsys.readouterr().err
    assert "login" in err and "refused (HTTP 401)" in err and err.count("\n") == 1
    assert "not-the-password" not in err and not out.exists()


def test_the_variant_really_differs(variant: RunningVariant) -> None:
    token = httpx.post(
        f"{variant.base_url}/4.1/auth/login",
        json={"username": variant.username, "password": variant.password},
    ).json()["response"]["token"]
    jobs = httpx.get(f"{variant.base_url}/4.1/jobs", headers={"Token": token}).json()
    assert "responseMessage" not in jobs
    assert " " in jobs["response"]["jobResponseList"][0]["startTime"]
