"""A fuzzing check keeps one Allure history across profiles and seeds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import allure_commons
import pytest

from conformance.fuzz import allure_report

pytestmark = pytest.mark.unit


class Parameters:
    """Collects what allure.dynamic.parameter hands to Allure's plugin manager."""

    def __init__(self) -> None:
        self.seen: dict[str, bool] = {}

    @allure_commons.hookimpl
    def add_parameter(self, name: str, value: Any, excluded: bool, mode: Any) -> None:
        self.seen[name] = bool(excluded)


@pytest.fixture
def parameters() -> Iterator[Parameters]:
    plugin = Parameters()
    allure_commons.plugin_manager.register(plugin)
    try:
        yield plugin
    finally:
        allure_commons.plugin_manager.unregister(plugin)


def test_the_profile_and_seed_stay_out_of_the_history_id(parameters: Parameters) -> None:
    allure_report.describe(
        "getJob",
        "status_code_conformance",
        "Jobs",
        {
            "operationId": "getJob",
            "check": "status_code_conformance",
            "profile": "smoke",
            "request": "GET /v1/jobs/{id}",
            "seed": "7",
        },
    )
    # excluded parameters do not enter allure-pytest's historyId: smoke and full share one
    assert parameters.seen == {
        "operationId": False,
        "check": False,
        "profile": True,
        "request": False,
        "seed": True,
    }
