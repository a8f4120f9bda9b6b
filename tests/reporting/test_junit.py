"""junit.xml is brought in line with the Allure results."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.reporting.allure_results import ResultRecord
from conformance.reporting.junit import junit_name, merge, read_counts, reconcile

pytestmark = pytest.mark.unit

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="s" tests="4" failures="2" errors="0" skipped="1">
<testcase classname="specs.scv.openapi.yaml.getJob" name="status"/>
<testcase classname="specs.scv.openapi.yaml.getJob" name="schema"><failure message="m"/></testcase>
<testcase classname="specs.scv.openapi.yaml.login" name="status"><failure message="b"/></testcase>
<testcase classname="scenarios.05.arazzo.yaml" name="wf"><skipped message="s"/></testcase>
</testsuite></testsuites>
"""


def result(nodeid: str, status: str) -> ResultRecord:
    return ResultRecord(nodeid=nodeid, name=nodeid, status=status, message="")


def test_junit_name_is_pytests() -> None:
    assert junit_name("specs/scv.openapi.yaml::getJob::status") == (
        "specs.scv.openapi.yaml.getJob",
        "status",
    )
    assert junit_name("tests/test_x.py::test_a[1]") == ("tests.test_x", "test_a[1]")


def test_broken_tests_become_errors(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT)
    results = [
        result("specs/scv.openapi.yaml::getJob::status", "passed"),
        result("specs/scv.openapi.yaml::getJob::schema", "failed"),
        result("specs/scv.openapi.yaml::login::status", "broken"),
        result("scenarios/05.arazzo.yaml::wf", "skipped"),
    ]
    counts = reconcile(path, results)
    assert counts is not None
    assert (counts.tests, counts.failures, counts.errors, counts.skipped) == (4, 1, 1, 1)
    assert read_counts(path) == counts
    assert "<error" in path.read_text()


def test_missing_junit_is_left_alone(tmp_path: Path) -> None:
    assert reconcile(tmp_path / "junit.xml", []) is None
    assert not (tmp_path / "junit.xml").exists()


def test_merge_keeps_every_suite_and_drops_the_parts(tmp_path: Path) -> None:
    parts = []
    for name, tests in (("fuzz", 3), ("scenarios", 2)):
        part = tmp_path / f"junit-{name}.xml"
        cases = "".join(f'<testcase classname="{name}" name="t{i}"/>' for i in range(tests))
        part.write_text(
            f'<testsuites><testsuite name="{name}" tests="{tests}">{cases}</testsuite></testsuites>'
        )
        parts.append(part)
    merged = tmp_path / "junit.xml"
    merge(parts, merged)
    assert read_counts(merged).tests == 5
    assert not any(p.exists() for p in parts)


def test_the_root_is_scv_conformance_whatever_pytest_wrote(tmp_path: Path) -> None:
    """One child pytest writes <testsuites> (named "pytest tests" by some versions) or a
    bare <testsuite>: either way the file's root is <testsuites name="scv-conformance">."""
    for document in (
        JUNIT.replace("<testsuites>", '<testsuites name="pytest tests">'),
        JUNIT.replace("<testsuites>", "").replace("</testsuites>", ""),
    ):
        path = tmp_path / "junit.xml"
        path.write_text(document)
        reconcile(path, [])
        root = ET.parse(path).getroot()
        assert root.tag == "testsuites" and root.get("name") == "scv-conformance"
        assert read_counts(path).tests == 4
