"""Bringing pytest's junit.xml in line with the Allure results.

pytest reports any exception in a test's call as a ``<failure>``; Allure tells conformance
failures (AssertionError) from errors (anything else, "broken"). Here a ``<failure>`` of a
test that Allure saw as broken becomes an ``<error>``, and the counts are recomputed, so
that junit.xml, summary.json and the Allure report agree.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.reporting.allure_results import ResultRecord
from conformance.reporting.atomic import write_text

OUTCOME_TAGS = ("failure", "error", "skipped")
#: The name of the file's root, whatever the target and however many children ran.
ROOT_NAME = "scv-conformance"


@dataclass(frozen=True)
class JUnitCounts:
    tests: int
    failures: int
    errors: int
    skipped: int


def junit_name(nodeid: str) -> tuple[str, str]:
    """(classname, name) of a node id, the way pytest's junitxml spells them."""
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]


def reconcile(junit_path: Path, results: Sequence[ResultRecord]) -> JUnitCounts | None:
    """Rewrite ``junit_path`` to agree with ``results``; None when there is no file."""
    try:
        tree = ET.parse(junit_path)
    except (OSError, ET.ParseError):
        return None
    status = {junit_name(r.nodeid): r.outcome for r in results}
    root = tree.getroot()
    if root.tag == "testsuite":
        wrapper = ET.Element("testsuites")
        wrapper.append(root)
        root = wrapper
        tree = ET.ElementTree(root)
    root.set("name", ROOT_NAME)
    suites = list(root.iter("testsuite"))
    total = JUnitCounts(0, 0, 0, 0)
    for suite in suites:
        counts = _reconcile_suite(suite, status)
        total = JUnitCounts(
            *(
                a + b
                for a, b in zip(
                    (total.tests, total.failures, total.errors, total.skipped),
                    (counts.tests, counts.failures, counts.errors, counts.skipped),
                    strict=True,
                )
            )
        )
    if root.tag == "testsuites":
        for name, value in vars(total).items():
            root.set(name, str(value))
    ET.indent(tree)
    write_text(junit_path, ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")
    return total


def _reconcile_suite(suite: ET.Element, status: dict[tuple[str, str], str]) -> JUnitCounts:
    tests = failures = errors = skipped = 0
    for case in suite.iter("testcase"):
        tests += 1
        outcome = status.get((case.get("classname", ""), case.get("name", "")))
        children = [c for c in case if c.tag in OUTCOME_TAGS]
        if outcome == "error":
            for child in children:
                if child.tag == "failure":
                    child.tag = "error"
        elif outcome == "failed":
            for child in children:
                if child.tag == "error" and not any(c.tag == "failure" for c in children):
                    child.tag = "failure"
        tags = {c.tag for c in case if c.tag in OUTCOME_TAGS}
        if "failure" in tags and outcome != "error":
            failures += 1
        elif "error" in tags or "failure" in tags:
            errors += 1
        elif "skipped" in tags:
            skipped += 1
    for name, value in (
        ("tests", tests),
        ("failures", failures),
        ("errors", errors),
        ("skipped", skipped),
    ):
        suite.set(name, str(value))
    return JUnitCounts(tests, failures, errors, skipped)


def mark_accepted(junit_path: Path, accepted: dict[str, str]) -> None:
    """Turn the ``<failure>`` of each accepted test (node id -> why) into a ``<skipped>``,
    as pytest reports an expected failure, and recount: a run whose failures a baseline
    accepts exits 0, and its junit.xml must not show red in CI. The note keeps the
    failure's message, so the known failure stays readable."""
    if not accepted:
        return
    try:
        tree = ET.parse(junit_path)
    except (OSError, ET.ParseError):
        return
    wanted = {junit_name(nodeid): note for nodeid, note in accepted.items()}
    root = tree.getroot()
    for case in root.iter("testcase"):
        note = wanted.get((case.get("classname", ""), case.get("name", "")))
        if note is None:
            continue
        for child in [c for c in case if c.tag == "failure"]:
            child.tag = "skipped"
            child.set("type", "pytest.xfail")
            child.set("message", note)
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    totals = [_recount(suite) for suite in suites]
    if root.tag == "testsuites":
        for index, name in enumerate(("tests", "failures", "errors", "skipped")):
            root.set(name, str(sum(t[index] for t in totals)))
    write_text(junit_path, ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")


def _recount(suite: ET.Element) -> tuple[int, int, int, int]:
    counts = [0, 0, 0, 0]
    for case in suite.iter("testcase"):
        counts[0] += 1
        tags = {c.tag for c in case if c.tag in OUTCOME_TAGS}
        for index, tag in ((1, "failure"), (2, "error"), (3, "skipped")):
            if tag in tags:
                counts[index] += 1
                break
    for name, value in zip(("tests", "failures", "errors", "skipped"), counts, strict=True):
        suite.set(name, str(value))
    return counts[0], counts[1], counts[2], counts[3]


def read_counts(junit_path: Path) -> JUnitCounts:
    """The counts junit.xml declares (summed over its test suites)."""
    root = ET.parse(junit_path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    return JUnitCounts(
        *(sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped"))
    )


def merge(parts: Sequence[Path], junit_path: Path) -> None:
    """Write the test suites of several junit files as one ``junit_path``; drop the parts."""
    root = ET.Element("testsuites", {"name": ROOT_NAME})
    for part in parts:
        try:
            tree = ET.parse(part)
        except (OSError, ET.ParseError):
            continue
        found = tree.getroot()
        root.extend([found] if found.tag == "testsuite" else list(found.iter("testsuite")))
    write_text(junit_path, ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")
    for part in parts:
        part.unlink(missing_ok=True)


def write_error(junit_path: Path, case: str, message: str) -> None:
    """A junit.xml for a run that could not run its tests (say, an unreachable target):
    one test ``case`` in error with ``message``, so that CI shows why."""
    root = ET.Element("testsuites", {"name": ROOT_NAME})
    counts = {"tests": "1", "failures": "0", "errors": "1", "skipped": "0"}
    root.attrib.update(counts)
    suite = ET.SubElement(root, "testsuite", {"name": ROOT_NAME, **counts})
    testcase = ET.SubElement(suite, "testcase", {"classname": ROOT_NAME, "name": case})
    ET.SubElement(testcase, "error", {"message": message}).text = message
    ET.indent(root)
    write_text(junit_path, ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")
