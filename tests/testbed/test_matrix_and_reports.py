"""The matrix of certify-client, a cell's verdict and the reports, without running anything."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.contract.spec import LATEST_RELEASE, load_contract
from conformance.core.errors import UsageError
from conformance.emulator.conditions import CONDITIONS
from conformance.testbed.cell import (
    ERROR,
    FAILED,
    PASSED,
    CellOptions,
    CellResult,
    Front,
    Traffic,
    judge,
)
from conformance.testbed.command import certify_client
from conformance.testbed.integration import Outcome
from conformance.testbed.matrix import Cell, build_matrix, default_releases, known_releases
from conformance.testbed.report import exit_code, write_summary
from conformance.testbed.traffic import traffic_of

pytestmark = pytest.mark.unit

OPTIONS = CellOptions(("integration",), timeout=30.0)
TOKEN_FAILURE = {
    "rule": "client_token_required",
    "operationId": "getJob",
    "message": "no Token header",
    "verdict": "failure",
}
TOKEN_DEVIATION = {
    "rule": "client_token_reused",
    "operationId": "login",
    "message": "a login before every call",
    "verdict": "deviation",
}


def outcome(tmp_path: Path, code: int | None = 0, timed_out: bool = False) -> Outcome:
    return Outcome(code, timed_out, 0.5)


def test_releases_run_from_4_4_to_the_newest() -> None:
    assert known_releases()[0] == "4.4" and known_releases()[-1] == LATEST_RELEASE
    defaults = default_releases()
    assert defaults[0] == "4.4" and defaults[-1] == LATEST_RELEASE
    # a release that adds operations gets a cell (the audit logs arrived in 4.8) ...
    adding = {op.since for op in load_contract().operations}
    assert "4.8" in defaults
    assert set(defaults[1:-1]) <= adding
    assert {r for r in known_releases()[1:] if r in adding} <= set(defaults)
    # ... one that serves the same API as the one before it does not
    assert [r for r in known_releases() if r not in adding and r not in ("4.4", LATEST_RELEASE)]
    assert not set(defaults) - adding - {"4.4", LATEST_RELEASE}


def test_every_release_is_played_plainly_and_under_each_condition() -> None:
    cells = build_matrix(["4.4", "6.2"], [])
    assert len(cells) == 2 * (1 + len(CONDITIONS))
    assert cells[0] == Cell("4.4", None) and cells[0].name == "4.4-plain"
    assert Cell("6.2", "token-expiry") in cells
    # one condition named: that one and the plain cell, per release
    assert [c.name for c in build_matrix(["4.4"], ["token-expiry", "token-expiry"])] == [
        "4.4-plain",
        "4.4-token-expiry",
    ]


@pytest.mark.parametrize(
    ("releases", "conditions", "message"),
    [
        (["4.3"], [], "unknown release '4.3'"),
        (["7.0"], [], "unknown release '7.0'"),
        ([], ["token-expired"], "unknown condition 'token-expired'"),
    ],
)
def test_an_unknown_release_or_condition_is_a_usage_error(
    releases: list[str], conditions: list[str], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        build_matrix(releases, conditions)


def test_a_cell_passes_on_exit_0_and_conformant_traffic(tmp_path: Path) -> None:
    cell = Cell("6.2", "token-expiry")
    result = judge(cell, OPTIONS, outcome(tmp_path), Traffic(5, deviations=(TOKEN_DEVIATION,)))
    assert (result.status, result.reasons) == (PASSED, [])
    # a deviation fails it only under --strict
    strict = CellOptions(OPTIONS.argv, OPTIONS.timeout, strict=True)
    result = judge(cell, strict, outcome(tmp_path), Traffic(5, deviations=(TOKEN_DEVIATION,)))
    assert result.status == FAILED
    assert result.reasons == [
        "deviation (--strict): login: client_token_reused: a login before every call"
    ]


@pytest.mark.parametrize(
    ("code", "timed_out", "traffic", "reason"),
    [
        (1, False, Traffic(5), "the command exited 1"),
        (None, True, Traffic(5), "the command did not end within 30 s"),
        (-9, False, Traffic(5), "the command was killed by signal 9"),
        (0, False, Traffic(0), "the command sent no request to SCV_URL"),
        (
            0,
            False,
            Traffic(5, failures=(TOKEN_FAILURE,)),
            "client failure: getJob: client_token_required: no Token header",
        ),
    ],
)
def test_a_cell_fails_naming_why(
    tmp_path: Path, code: int | None, timed_out: bool, traffic: Traffic, reason: str
) -> None:
    result = judge(Cell("4.4"), OPTIONS, outcome(tmp_path, code, timed_out), traffic)
    assert (result.status, result.reasons) == (FAILED, [reason])


def test_the_proxys_own_trouble_is_an_error_not_a_failure(tmp_path: Path) -> None:
    result = judge(Cell("4.4"), OPTIONS, outcome(tmp_path), Traffic(0, error="unreachable"))
    assert result.status == ERROR
    assert exit_code([result]) == 3


def test_only_the_clients_findings_judge_it() -> None:
    answer_finding = {"operationId": "getJob", "check": "response_schema", "message": "x"}
    summary = {
        "requests": 7,
        "status": "failures",
        "failures": [TOKEN_FAILURE],
        "deviations": [TOKEN_DEVIATION],
        "appliance": {"failures": [answer_finding], "deviations": []},
    }
    traffic = traffic_of(summary)
    assert (traffic.requests, traffic.error) == (7, None)
    assert traffic.failures == (TOKEN_FAILURE,)
    assert traffic.deviations == (TOKEN_DEVIATION,)
    assert traffic.appliance == (answer_finding,)
    unreachable = traffic_of({"status": "unreachable", "error": "connection refused"})
    assert unreachable.error == "the proxy could not reach the emulator: connection refused"


def test_reports_name_each_failing_cell_and_why(tmp_path: Path) -> None:
    cells = build_matrix(["4.4", "6.2"], ["token-expiry"])
    results = []
    for cell in cells:
        folder = tmp_path / "cells" / cell.name
        folder.mkdir(parents=True)
        failing = cell.condition == "token-expiry"
        traffic = Traffic(6)
        verdict = judge(cell, OPTIONS, outcome(tmp_path, 1 if failing else 0), traffic)
        verdict.folder = folder
        results.append(verdict)
    document = write_summary(results, tmp_path, {"command": ["python", "x.py"]})
    assert (document["status"], document["exitCode"]) == ("failed", 1)
    assert document["totals"] == {"cells": 4, "passed": 2, "failed": 2, "errors": 0, "notRun": 0}
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert [(c["name"], c["status"]) for c in saved["cells"]] == [
        ("4.4-plain", "passed"),
        ("4.4-token-expiry", "failed"),
        ("6.2-plain", "passed"),
        ("6.2-token-expiry", "failed"),
    ]
    assert saved["cells"][1]["folder"] == "cells/4.4-token-expiry"
    markdown = (tmp_path / "summary.md").read_text()
    assert "| release | plain | token-expiry |" in markdown
    assert "| 4.4 | pass | FAIL |" in markdown
    assert "- **4.4-token-expiry** (failed): the command exited 1" in markdown
    cell_json = json.loads((tmp_path / "cells/6.2-token-expiry/cell.json").read_text())
    assert cell_json["reasons"] == ["the command exited 1"]
    assert (
        "# Cell 6.2-token-expiry: failed"
        in (tmp_path / "cells/6.2-token-expiry/cell.md").read_text()
    )
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("4", "2")
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == ["4.4-token-expiry", "6.2-token-expiry"]
    verdicts = [
        json.loads(p.read_text()) for p in (tmp_path / "allure-results").glob("*-result.json")
    ]
    by_cell = {
        next(label["value"] for label in v["labels"] if label["name"] == "parentSuite"): v
        for v in verdicts
    }
    assert set(by_cell) == {c.name for c in cells}
    assert by_cell["4.4-token-expiry"]["status"] == "failed"
    assert by_cell["4.4-plain"]["status"] == "passed"


def test_every_cell_passing_is_exit_0() -> None:
    assert exit_code([CellResult(Cell("4.4"), PASSED)]) == 0
    assert exit_code([CellResult(Cell("4.4"), PASSED), CellResult(Cell("6.2"), FAILED)]) == 1


class _Interrupting(Front):
    """A front whose appliance is never reached: Ctrl-C arrives while it starts."""

    def __enter__(self) -> Front:
        raise KeyboardInterrupt

    def __exit__(self, *exc_info: object) -> None:
        return None


def test_ctrl_c_reports_the_cells_not_run_and_still_seals_the_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cells = build_matrix(["6.2"], ["token-expiry"])
    out = tmp_path / "bundle"
    options = CellOptions(("integration",), timeout=30.0)
    code = certify_client(cells, options, ["integration"], out, lambda c, f: _Interrupting())
    assert code == 3
    saved = json.loads((out / "summary.json").read_text())
    assert saved["interrupted"] is True
    assert [(c["status"], c["reasons"]) for c in saved["cells"]] == [
        ("not run", ["interrupted while it ran"]),
        ("not run", ["interrupted before it ran"]),
    ]
    assert json.loads((out / "certificate.json").read_text())["result"] == "error"
    assert "not run: 6.2-token-expiry" in capsys.readouterr().err
    assert (out / "MANIFEST").is_file()
