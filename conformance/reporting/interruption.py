"""Marking the reports of a run that did not finish: JUnit and Allure say so too.

summary.json carries ``interrupted: true`` (see :mod:`conformance.reporting.summary`);
junit.xml gets an ``interrupted`` property and an errored test case naming the reason and
what was left behind, and the Allure results a broken test of the same, so every report a
CI job keeps tells that the run is incomplete. A test process killed before it wrote its
junit.xml leaves none: then one is written with only that test case.
"""

from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

from conformance.reporting.atomic import write_json, write_text

CLASSNAME = "scv-conformance.run"
NAME = "interrupted"


def describe(reason: str, max_time: float | None = None) -> str:
    """A sentence for the reports: why the run stopped."""
    if reason == "max-time":
        limit = f" of {max_time:g} s" if max_time is not None else ""
        return f"the run reached its --max-time{limit} and was stopped"
    return f"the run was interrupted by {reason}"


def leftover_lines(leftovers: Sequence[Mapping[str, str]]) -> list[str]:
    """One line per cleanup that did not happen."""
    return [
        f"{item.get('workflowId')} / {item.get('cleanupStep')}: {item.get('request')}"
        for item in leftovers
    ]


def _message(text: str, leftovers: Sequence[Mapping[str, str]]) -> str:
    if not leftovers:
        return f"{text}; every workflow cleaned up what it had created"
    return f"{text}; left behind on the appliance:\n" + "\n".join(leftover_lines(leftovers))


def mark_junit(junit_path: Path, text: str, leftovers: Sequence[Mapping[str, str]]) -> None:
    """Add the interruption to ``junit_path`` (written anew when the test process left none)."""
    try:
        tree = ET.parse(junit_path)
        root = tree.getroot()
    except (OSError, ET.ParseError):
        root = ET.Element("testsuites")
        tree = ET.ElementTree(root)
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    if not suites:
        suites = [ET.SubElement(root, "testsuite", name="scv-conformance")]
    suite = suites[0]
    properties = suite.find("properties")
    if properties is None:
        properties = ET.Element("properties")
        suite.insert(0, properties)
    ET.SubElement(properties, "property", name="interrupted", value=text)
    case = ET.SubElement(suite, "testcase", classname=CLASSNAME, name=NAME, time="0")
    error = ET.SubElement(case, "error", message=text)
    error.text = _message(text, leftovers)
    for element in [*suites, *([root] if root.tag == "testsuites" else [])]:
        element.set("tests", str(int(element.get("tests", "0")) + 1))
        element.set("errors", str(int(element.get("errors", "0")) + 1))
    ET.indent(tree)
    write_text(junit_path, ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")


def mark_allure(results_dir: Path, text: str, leftovers: Sequence[Mapping[str, str]]) -> None:
    """A broken Allure test that says the run is incomplete and what was left behind."""
    results_dir.mkdir(parents=True, exist_ok=True)
    now = int(time.time() * 1000)
    result_id = str(uuid.uuid4())
    write_json(
        results_dir / f"{result_id}-result.json",
        {
            "uuid": result_id,
            "historyId": f"{CLASSNAME}.{NAME}",
            "name": "Run interrupted",
            "fullName": f"{CLASSNAME}.{NAME}",
            "status": "broken",
            "statusDetails": {"message": _message(text, leftovers)},
            "start": now,
            "stop": now,
            "labels": [{"name": "suite", "value": "run"}],
        },
    )
