"""Allure categories: the regexes classify messages alike in Java (Allure 2) and JS (Allure 3)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from conformance.reporting.metadata import CATEGORIES, allure3_categories

MESSAGES = {
    "httpx.ConnectError: [Errno 111] Connection refused": "Infrastructure errors",
    "httpx.ReadTimeout: timed out": "Infrastructure errors",
    "TargetUnreachable: 5 answers of HTTP 503 in a row": "Infrastructure errors",
    "KeyError: 'stepId'": "Other errors",
    "Skipped: deleteVm changes appliance state; left out against https://scv.lab/api "
    "without --allow-destructive": "Skipped by safety",
    "Skipped: listGuestFiles ships with SCV 5.0; the target runs 4.7": "Not in this appliance "
    "release",
}
STATUS = {
    "Infrastructure errors": "broken",
    "Other errors": "broken",
    "Skipped by safety": "skipped",
    "Not in this appliance release": "skipped",
}


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
        assert first_match(message, STATUS[expected]) == expected, message
    assert first_match("AssertionError: 500 undocumented", "failed") == "Conformance failures"


def test_broken_categories_do_not_overlap() -> None:
    infra, other = CATEGORIES[1]["messageRegex"], CATEGORIES[2]["messageRegex"]
    for message in MESSAGES:
        assert not (re.fullmatch(infra, message) and re.fullmatch(other, message))


def test_same_classification_in_javascript() -> None:
    assert shutil.which("node"), "Node.js is needed for the HTML report and this test"
    script = """
    const [cats, msgs] = JSON.parse(require('fs').readFileSync(0, 'utf8'));
    const out = {};
    for (const [m, status] of msgs) {
      const c = cats.find(c => c.matchedStatuses.includes(status) &&
        (c.messageRegex === undefined || new RegExp(c.messageRegex).test(m)));
      out[m] = c ? c.name : null;
    }
    console.log(JSON.stringify(out));
    """
    payload = json.dumps([allure3_categories(), [[m, STATUS[e]] for m, e in MESSAGES.items()]])
    done = subprocess.run(
        ["node", "-e", script],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert json.loads(done.stdout) == MESSAGES
