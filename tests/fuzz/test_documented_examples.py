"""Every profile sends each operation as the contract documents it, whatever the seed, so a
broken operation (a 500 to a valid request) fails every profile for every seed.

schemathesis' own examples phase does it, configured through its public table
(``[phases.examples]``, ``fill-missing`` for the operations that document no input).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import BaseSchema
from schemathesis import Config as SchemathesisConfig

from conformance.contract.spec import load_contract
from conformance.emulator import EmbeddedEmulator, EmulatorConfig
from conformance.fuzz.engine_run import run_engine
from conformance.fuzz.profiles import PROFILES, Profile
from conformance.fuzz.st_config import config_table
from conformance.fuzz.st_internals import events, from_schema
from conformance.fuzz.suite import only

pytestmark = pytest.mark.integration

CONTRACT = load_contract()
SEEDS = (1, 2, 3, 5, 8)


def _schema(emulator: EmbeddedEmulator, profile: Profile, seed: int, phases: Any) -> BaseSchema:
    """The contract as the fuzzing suite configures schemathesis, logged in to ``emulator``."""
    table = config_table(
        base_url=emulator.base_url,
        verify=False,
        seed=seed,
        profile=profile,
        operations=CONTRACT.operations,
        phases_run=phases,
    )
    schema = schemathesis.openapi.from_dict(
        copy.deepcopy(CONTRACT.document), config=SchemathesisConfig.from_dict(table)
    )
    login = httpx.post(
        f"{emulator.base_url}/4.1/auth/login",
        json={"username": emulator.username, "password": emulator.password},
    )
    token = login.json()["response"]["token"]

    class Token:
        def get(self, case: Any, context: Any) -> str:
            return str(token)

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Token": data}

    schema.auth().skip_for(operation_id="login")(Token)
    return schema


@pytest.fixture(scope="module")
def conformant() -> Iterator[EmbeddedEmulator]:
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False)) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def broken() -> Iterator[EmbeddedEmulator]:
    with EmbeddedEmulator(EmulatorConfig(port=0, tls=False, fault="server-error")) as emulator:
        yield emulator


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_profile_sends_every_operation_in_its_examples_phase(
    name: str, conformant: EmbeddedEmulator
) -> None:
    profile = PROFILES[name]
    assert "examples" in profile.phases
    schema = _schema(conformant, profile, seed=7, phases=("examples",))
    sent: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.recorder.cases:
            case = next(iter(event.recorder.cases.values())).value
            sent.add(case.operation.definition.raw["operationId"])
    assert sent == set(CONTRACT.operation_ids())


def test_a_documented_example_is_sent_as_documented(conformant: EmbeddedEmulator) -> None:
    schema = only(_schema(conformant, PROFILES["smoke"], 7, ("examples",)), ["addStorageSystem"])
    bodies = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            bodies += [c.value.body for c in event.recorder.cases.values()]
    operation = CONTRACT.operation("addStorageSystem")
    example = operation.definition["requestBody"]["content"]["application/json"]["example"]
    assert example in bodies


@pytest.mark.parametrize("seed", SEEDS)
def test_smoke_fuzzing_fails_a_broken_operation_for_every_seed(
    seed: int, broken: EmbeddedEmulator
) -> None:
    profile = PROFILES["smoke"]
    phases = tuple(p for p in profile.phases if p != "stateful")  # as the suite runs them
    schema = only(_schema(broken, profile, seed, phases), ["createPolicy"])
    result = run_engine(schema, lambda: ())
    verdict = result.verdicts["not_a_server_error"]
    assert verdict.failed >= 1, (seed, verdict)
