"""The kind of input the exchange log gives a case schemathesis recorded."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conformance.fuzz.exchanges import kind_of_node
from conformance.fuzz.st_internals import CaseNode

pytestmark = pytest.mark.unit


def case(phase: str = "fuzzing", mode: str = "positive") -> SimpleNamespace:
    meta = SimpleNamespace(
        phase=SimpleNamespace(name=SimpleNamespace(value=phase)),
        generation=SimpleNamespace(mode=SimpleNamespace(value=mode)),
    )
    return SimpleNamespace(meta=meta)


def node(parent_id: str | None = None, transition: object = None) -> CaseNode:
    return CaseNode(
        value=case(),  # type: ignore[arg-type]
        parent_id=parent_id,
        transition=transition,  # type: ignore[arg-type]
        is_transition_applied=transition is not None,
    )


def test_a_generated_case_is_its_phase_and_mode() -> None:
    assert kind_of_node(node()) == ("fuzzing", "positive")


def test_a_case_a_check_sent_again_without_its_token_is_a_probe() -> None:
    """ignored_auth probes only a case that succeeded: whether it is sent follows the
    appliance's state, so its 401 is no new status code of fuzzing-positive input."""
    assert kind_of_node(node(parent_id="abc")) == ("probe", None)


def test_a_stateful_step_keeps_its_kind() -> None:
    assert kind_of_node(node(parent_id="abc", transition=object())) == ("fuzzing", "positive")
