"""schemathesis at arm's length: the names it does not export are imported in one module
(conformance.fuzz.st_internals), each of which still exists; everything else uses only
schemathesis' public names."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
import schemathesis

from conformance.fuzz import st_internals

pytestmark = pytest.mark.unit

ROOT = Path(__file__).parents[2]


def test_each_internal_name_still_imports() -> None:
    assert st_internals.__all__
    for name in st_internals.__all__:
        assert getattr(st_internals, name) is not None, name
        assert name not in schemathesis.__all__, (
            f"{name} is public now: import it from schemathesis"
        )


def _schemathesis_imports(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
        elif isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
    return [m for m in modules if m.startswith("schemathesis.")]


def test_only_that_module_reaches_into_schemathesis() -> None:
    offenders = {}
    for folder in ("conformance", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "st_internals.py":
                continue
            private = _schemathesis_imports(path)
            if private:
                offenders[str(path.relative_to(ROOT))] = private
    assert not offenders, f"import these through conformance.fuzz.st_internals: {offenders}"


def test_the_public_names_used_are_public() -> None:
    for name in ("Case", "Response", "BaseSchema", "APIOperation", "Config", "CheckContext"):
        assert name in schemathesis.__all__, name
    assert importlib.import_module("schemathesis.openapi").from_dict


def test_response_time_budgets_are_schemathesis_own_configuration() -> None:
    from conformance.contract.spec import load_contract
    from conformance.fuzz.checks import RESPONSE_TIME
    from conformance.fuzz.engine_run import reported_name
    from conformance.fuzz.profiles import get_profile
    from conformance.fuzz.st_config import config_table

    contract = load_contract()
    table = config_table(
        base_url="http://127.0.0.1:9/api",
        verify=False,
        seed=1,
        profile=get_profile("smoke"),
        operations=contract.operations,
        response_time_ms=1500,
        response_time_overrides={"getJobs": 5000},
    )
    schema = schemathesis.openapi.from_dict(
        contract.document, config=schemathesis.Config.from_dict(table)
    )
    project = schema.config
    limits = {}
    for name in ("getJobs", "getPolicies"):
        operation = next(
            result.ok()
            for result in schema.get_all_operations()
            if result.ok().definition.raw.get("operationId") == name
        )
        checks = project.checks_config_for(operation=operation, phase="fuzzing")
        assert checks.max_response_time.enabled
        limits[name] = checks.max_response_time.limit
    assert limits == {"getJobs": 5.0, "getPolicies": 1.5}
    # a write's 404 may be about an id in its body, not the item a link led it to
    enabled = {}
    for name in ("updateResourceGroup", "deleteResourceGroup"):
        operation = next(
            result.ok()
            for result in schema.get_all_operations()
            if result.ok().definition.raw.get("operationId") == name
        )
        checks = project.checks_config_for(operation=operation, phase="stateful")
        enabled[name] = checks.ensure_resource_availability.enabled
    assert enabled == {"updateResourceGroup": False, "deleteResourceGroup": True}
    assert reported_name("max_response_time") == RESPONSE_TIME == "scv_response_time"
