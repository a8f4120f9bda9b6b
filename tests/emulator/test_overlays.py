"""An emulator started with overlays validates by, and describes, the overlaid contract."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conformance.cli import main
from tests.emulator.conftest import Api

pytestmark = pytest.mark.unit

JOB_TYPE_CLEANUP = {
    "overlay": "1.0.0",
    "info": {"title": "an appliance with a cleanup job type", "version": "1"},
    "actions": [{"target": "$.components.schemas.JobType.enum", "update": "cleanup"}],
}


@pytest.fixture
def overlay_file(tmp_path: Path) -> Path:
    path = tmp_path / "cleanup.yaml"
    path.write_text(yaml.safe_dump(JOB_TYPE_CLEANUP))
    return path


def test_requests_are_validated_by_the_overlaid_contract(
    make_api: Callable[..., Api], overlay_file: Path
) -> None:
    plain = make_api()
    assert plain.get("/4.1/jobs", params={"jobType": "cleanup"}).status_code == 400
    overlaid = make_api(overlays=(overlay_file,))
    assert overlaid.get("/4.1/jobs", params={"jobType": "cleanup"}).status_code == 200


def test_the_served_description_is_the_overlaid_contract(
    make_api: Callable[..., Api], overlay_file: Path
) -> None:
    docs = make_api(overlays=(overlay_file,)).raw("GET", "/api/v3/api-docs").json()
    assert docs["components"]["schemas"]["JobType"]["enum"][-1] == "cleanup"


def test_emulate_refuses_a_broken_overlay_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: []\n")
    assert main(["emulate", "--port", "0", "--overlay", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "actions must be a non-empty list" in err
    assert main(["emulate", "--port", "0", "--overlay", str(tmp_path / "none.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
