"""Run folders are never reused, and the latest is found."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance.http.redaction import public_url
from conformance.reporting.atomic import write_text
from conformance.reporting.run_dirs import latest_run_dir, new_run_dir

pytestmark = pytest.mark.unit


def test_same_second_gets_a_suffix_and_latest_is_the_newest(tmp_path: Path) -> None:
    when = datetime(2026, 11, 27, 20, 15, tzinfo=UTC)
    first = new_run_dir(tmp_path, when)
    second = new_run_dir(tmp_path, when)
    assert (first.name, second.name) == ("20261127T201500Z", "20261127T201500Z-2")
    (tmp_path / "history.jsonl").write_text("")
    (tmp_path / "notes").mkdir()
    assert latest_run_dir(tmp_path) == second
    assert latest_run_dir(tmp_path / "absent") is None


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    write_text(tmp_path / "a" / "summary.md", "x")
    write_text(tmp_path / "a" / "summary.md", "y")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["summary.md"]
    assert (tmp_path / "a" / "summary.md").read_text() == "y"


def test_public_url_drops_credentials() -> None:
    assert public_url("https://u:p@scv.lab:8144/api") == "https://scv.lab:8144/api"
    assert public_url("https://[::1]:8144/api") == "https://[::1]:8144/api"
