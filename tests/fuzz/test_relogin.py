"""The suite logs in again when the appliance answers 401 to an expired token."""

from __future__ import annotations

import argparse

import pytest

from conformance.contract.spec import load_contract
from conformance.core.context import RunContext
from conformance.core.settings import resolve
from conformance.emulator import EmbeddedEmulator, EmulatorConfig
from conformance.fuzz.profiles import get_profile
from conformance.fuzz.suite import FuzzSuite
from conformance.http.session import Target

pytestmark = pytest.mark.integration


def test_expired_token_is_renewed_and_the_call_replayed() -> None:
    # Tokens live 0.3 s and every answer takes at least 50 ms: the run outlives several
    # tokens however fast the machine is. The time budget is generous: this test is about
    # renewal, on a machine that may be busy.
    config = EmulatorConfig(port=0, tls=False, token_ttl=0.005, latency_ms=50)
    with EmbeddedEmulator(config) as emu:
        settings = resolve(argparse.Namespace(), {"SCV_RESPONSE_TIME_BUDGET_MS": "10000"})
        target = Target(emu.base_url, emu.username, emu.password, False, embedded=True)
        context = RunContext(settings, target, load_contract(), "6.2", "6.2")
        suite = FuzzSuite(context, get_profile("smoke", max_examples=40), seed=1)
        try:
            result = suite.operation_result("getPolicies")
        finally:
            suite.close()
    # counted where every login goes (schemathesis may make more than one auth object)
    assert suite.session.logins >= 2
    assert result.errors == []
    assert result.verdicts["response_schema_conformance"].passed > 0
    assert {k: v.failed for k, v in result.verdicts.items() if v.failed} == {}
