"""Every scenario document is valid Arazzo 1.0 against the pinned JSON Schema.

The schema is fetched (``scripts/fetch-arazzo-schema.sh``, which tox runs): these tests need
that download, so they are integration tests; the loader's own checks are unit tests
(test_scenario_documents.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.scenarios import loader
from conformance.scenarios.arazzo import schema
from conformance.scenarios.arazzo.schema import SchemaUnavailable
from conformance.scenarios.failures import ScenarioDocumentError

pytestmark = pytest.mark.integration

FILES = loader.scenario_files()


def test_the_arazzo_schema_is_fetched() -> None:
    try:
        schema.validator(loader.SCHEMA_PATH)
    except SchemaUnavailable as exc:
        pytest.fail(f"{exc} (scripts/fetch-arazzo-schema.sh)", pytrace=False)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_document_is_valid(path: Path) -> None:
    assert loader.check_file(path, require_schema=True) == []


@pytest.mark.parametrize(
    "change", ["type: retry => type: retry-now", "arazzo: 1.0.1 => arazzo: 2.0.0"]
)
def test_a_document_the_schema_refuses_is_named(tmp_path: Path, change: str) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("scv.openapi.yaml", "vcenter.openapi.yaml"):
        (specs / name).write_text((loader.SCENARIO_DIR.parent / "specs" / name).read_text())
    directory = tmp_path / "scenarios"
    directory.mkdir()
    source = loader.SCENARIO_DIR / "05-backup-on-demand.arazzo.yaml"
    old, new = change.split(" => ")
    text = source.read_text()
    assert old in text
    target = directory / "broken.arazzo.yaml"
    target.write_text(text.replace(old, new, 1))
    problems = loader.check_file(target, require_schema=True)
    assert any("not a valid Arazzo 1.0 document" in p for p in problems), problems
    with pytest.raises(ScenarioDocumentError, match=r"broken\.arazzo\.yaml"):
        loader.load(target, require_schema=True)
