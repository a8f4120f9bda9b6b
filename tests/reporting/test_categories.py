"""Allure categories: skips sort by their kind; the regexes classify messages alike in Java
(Allure 2) and JS (Allure 3)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from conformance.contract import deviation
from conformance.core.item_keys import LABEL_PREFIX
from conformance.core.paths import PROJECT_ROOT as ROOT
from conformance.core.skips import Skip, SkipKind
from conformance.reporting.metadata import (
    CATEGORIES,
    DEVIATIONS_CATEGORY,
    SKIP_CATEGORIES,
    allure3_categories,
)

pytestmark = pytest.mark.integration

BROKEN = {
    "httpx.ConnectError: [Errno 111] Connection refused": "Infrastructure errors",
    "httpx.ReadTimeout: timed out": "Infrastructure errors",
    "TargetUnreachable: 5 answers of HTTP 503 in a row": "Infrastructure errors",
    "KeyError: 'stepId'": "Other errors",
}
#: Skips of every kind, each in two wordings: the category follows the kind, not the words.
SKIPS = [
    Skip(SkipKind.SAFETY, "deleteVm changes appliance state; without --allow-destructive"),
    Skip(SkipKind.SAFETY, "deleteVm is left alone here"),
    Skip(SkipKind.VERSION, "listGuestFiles ships with SCV 5.0; the target runs 4.7"),
    Skip(SkipKind.VERSION, "listGuestFiles came later"),
    Skip(SkipKind.INVENTORY, "restoreVm needs inventory names vm"),
    Skip(SkipKind.INVENTORY, "no VM named for restoreVm"),
    Skip(SkipKind.NOT_APPLICABLE, "scv_uri_null judged none of the 5 cases of login"),
    Skip(SkipKind.NOT_APPLICABLE, "nothing to judge"),
]
MESSAGES = {
    **BROKEN,
    **{f"Skipped: {s.message}": SKIP_CATEGORIES[s.kind][0] for s in SKIPS},
    **{s.message: SKIP_CATEGORIES[s.kind][0] for s in SKIPS},
}


def status_of(category: str) -> str:
    return "broken" if category in BROKEN.values() else "skipped"


def first_match(message: str, status: str) -> str | None:
    for category in CATEGORIES:
        if status not in category["matchedStatuses"]:
            continue
        regex = category.get("messageRegex")
        if regex is None or re.fullmatch(regex, message):
            return str(category["name"])
    return None


def test_whole_message_matching_as_allure_2_does() -> None:
    for message, expected in MESSAGES.items():
        assert first_match(message, status_of(expected)) == expected, message
    assert first_match("AssertionError: 500 undocumented", "failed") == "Conformance failures"


def test_every_kind_of_skip_has_its_category() -> None:
    names = {first_match(Skip(kind, "any words").message, "skipped") for kind in SkipKind}
    assert len(names) == len(SkipKind) and None not in names


def test_a_skip_without_its_kind_falls_in_no_skip_category() -> None:
    # the old prose that the categories once matched no longer sorts anything by itself
    text = "deleteVm changes appliance state; left out against x without --allow-destructive"
    assert first_match(f"Skipped: {text}", "skipped") is None
    assert first_match(f"Skipped: {Skip(SkipKind.SAFETY, text).message}", "skipped") == (
        "Skipped by safety"
    )


def _regex(name: str) -> str:
    return str(next(c for c in CATEGORIES if c["name"] == name)["messageRegex"])


def test_broken_categories_do_not_overlap() -> None:
    infra, other = _regex("Infrastructure errors"), _regex("Other errors")
    for message in BROKEN:
        assert not (re.fullmatch(infra, message) and re.fullmatch(other, message))


def test_same_classification_in_javascript() -> None:
    assert shutil.which("node"), "Node.js is needed for the HTML report and this test"
    script = """
    const [cats, msgs] = JSON.parse(require('fs').readFileSync(0, 'utf8'));
    const out = {};
    for (const [m, status] of msgs) {
      const c = cats.find(c => c.matchedStatuses && c.matchedStatuses.includes(status) &&
        (c.messageRegex === undefined || new RegExp(c.messageRegex).test(m)));
      out[m] = c ? c.name : null;
    }
    console.log(JSON.stringify(out));
    """
    payload = json.dumps([allure3_categories(), [[m, status_of(e)] for m, e in MESSAGES.items()]])
    done = subprocess.run(
        ["node", "-e", script],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert json.loads(done.stdout) == MESSAGES


def test_a_strict_deviation_has_its_category_before_the_failures_in_allure_2() -> None:
    message = deviation.tagged("getAuditConfig: response_schema_conformance deviated ...")
    assert first_match(message, "failed") == DEVIATIONS_CATEGORY
    written = f"conformance.core.errors.ConformanceFailure: {message}"
    assert first_match(written, "failed") == DEVIATIONS_CATEGORY
    # a deviation that passed its test carries the same tagged message (allure_polish)
    assert first_match(message, "passed") == DEVIATIONS_CATEGORY
    assert first_match("", "passed") is None
    assert first_match("getAuditConfig: response_schema_conformance failed", "failed") == (
        "Conformance failures"
    )


def test_allure_3_puts_deviations_passed_or_failed_in_their_category_by_label() -> None:
    # Allure 3's own matching (its core-api package), on the categories the report uses
    core_api = ROOT / "node_modules" / "@allurereport" / "core-api" / "dist" / "categories.js"
    assert core_api.exists(), "run npm ci in the repository"
    script = f"""
    import {{ normalizeCategoriesConfig, matchCategory }} from {json.dumps(core_api.as_uri())};
    import {{ readFileSync }} from "node:fs";
    const [rules, results] = JSON.parse(readFileSync(0, "utf8"));
    const categories = normalizeCategoriesConfig(rules);
    console.log(JSON.stringify(results.map(r => (matchCategory(categories, r) || {{}}).name)));
    """
    label = {"name": LABEL_PREFIX + deviation.VERDICT_PROPERTY, "value": deviation.DEVIATION}
    results = [
        {"status": "passed", "labels": [label], "message": None},
        {"status": "failed", "labels": [label], "message": deviation.tagged("x")},
        {"status": "passed", "labels": [], "message": None},
        {"status": "failed", "labels": [], "message": "getPolicies: x failed"},
    ]
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps([allure3_categories(), results]),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert json.loads(done.stdout) == [
        DEVIATIONS_CATEGORY,
        DEVIATIONS_CATEGORY,
        None,
        "Conformance failures",
    ]
