"""Allure metadata files: environment.properties, executor.json and categories.json, and
the Allure 3 configuration with our categories (``allurerc.json``).

Allure 2 reads categories from ``categories.json`` in the results; Allure 3 ignores that
file and reads them only from its configuration, which ``allure generate`` looks for in
the folder it runs in. So a run folder carries an ``allurerc.json`` beside its
``allure-results/`` and the repository ships one at its root (``tests`` keep it equal to
:func:`allure3_config`): plain ``npx allure generate allure-results`` in a run folder, or
``npx allure generate reports/RUN/allure-results`` in the repository, keeps the categories.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.contract import deviation
from conformance.core.item_keys import LABEL_PREFIX
from conformance.core.skips import SkipKind, tag
from conformance.reporting.atomic import write_json, write_text

# Regexes work both in Allure 2 (Java, whole message) and Allure 3 (JavaScript, search).
_ANY = r"[\s\S]*"
_INFRASTRUCTURE_WORDS = (
    r"(?:[Tt]ime[Oo]ut|[Tt]imed out|[Rr]efused|[Uu]nreachable|ConnectError|[Cc]onnection reset"
    r"|RemoteProtocolError|ReadError|\b5\d\d\b|[Ss]erver [Ee]rror|[Ss]ervice [Uu]navailable)"
)
INFRASTRUCTURE_REGEX = _ANY + _INFRASTRUCTURE_WORDS + _ANY
OTHER_ERROR_REGEX = r"^(?!" + _ANY + _INFRASTRUCTURE_WORDS + r")" + _ANY + r"$"

#: The category of each kind of skip, and what it holds.
SKIP_CATEGORIES: dict[SkipKind, tuple[str, str]] = {
    SkipKind.SAFETY: (
        "Skipped by safety",
        "State-changing operations left out against a real appliance without --allow-destructive.",
    ),
    SkipKind.VERSION: (
        "Not in this appliance release",
        "Operations newer than the release the target runs.",
    ),
    SkipKind.INVENTORY: (
        "Needs inventory names",
        "Workflows whose objects the configuration's [inventory] does not name.",
    ),
    SkipKind.NOT_APPLICABLE: (
        "Not applicable",
        "Checks that judged none of the generated cases.",
    ),
}


def skip_regex(kind: SkipKind) -> str:
    """Matches the messages of skips of ``kind``: by their tag, whatever the text says."""
    return r"^(?:Skipped: )?" + re.escape(tag(kind)) + _ANY


DEVIATIONS_CATEGORY = "Deviations from our assumptions"
DEVIATION_DESCRIPTION = (
    "The appliance contradicts only an assumption of the contract, not what the vendor "
    "documented or a client proved: the test passes (fails under --strict), tagged deviation."
)

CATEGORIES: list[dict[str, Any]] = [
    {
        # Allure 2 matches messages only: a deviation's message starts with its tag, on
        # the failed test of --strict and (written by allure_polish) on a passed one
        "name": DEVIATIONS_CATEGORY,
        "matchedStatuses": ["failed", "passed"],
        # allure-pytest writes the exception's class in front of its message
        "messageRegex": r"^(?:[\w.]+: )?" + re.escape(deviation.TAG) + _ANY,
        "description": DEVIATION_DESCRIPTION,
    },
    {
        "name": "Conformance failures",
        "matchedStatuses": ["failed"],
        "description": "The appliance answered in a way the contract does not allow.",
    },
    {
        "name": "Infrastructure errors",
        "matchedStatuses": ["broken"],
        "messageRegex": INFRASTRUCTURE_REGEX,
        "description": "Timeouts, refused connections and bursts of 5xx answers: "
        "the run could not decide conformance.",
    },
    {
        "name": "Other errors",
        "matchedStatuses": ["broken"],
        "messageRegex": OTHER_ERROR_REGEX,
        "description": "Errors of the harness or of the test data.",
    },
    *(
        {
            "name": name,
            "matchedStatuses": ["skipped"],
            "messageRegex": skip_regex(kind),
            "description": description,
        }
        for kind, (name, description) in SKIP_CATEGORIES.items()
    ),
]


def allure3_categories() -> list[dict[str, Any]]:
    """The same categories for the Allure 3 configuration (no descriptions); there the
    deviations match by their label, passed or failed."""
    deviations = {
        "name": DEVIATIONS_CATEGORY,
        "matchers": [
            {
                "statuses": ["passed", "failed"],
                "labels": {LABEL_PREFIX + deviation.VERDICT_PROPERTY: f"^{deviation.DEVIATION}$"},
            }
        ],
    }
    return [
        deviations if c["name"] == DEVIATIONS_CATEGORY else _without_description(c)
        for c in CATEGORIES
    ]


def _without_description(category: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in category.items() if k != "description"}


def environment_properties(values: Mapping[str, object]) -> str:
    """Java properties text, one ``key=value`` a line, escaped."""
    lines = []
    for key, value in values.items():
        if value is None:
            continue
        lines.append(f"{_escape(key, key=True)}={_escape(str(value))}")
    return "\n".join(lines) + "\n"


def _escape(text: str, key: bool = False) -> str:
    out = []
    for char in text:
        if char in "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif key and char in "=: ":
            out.append("\\" + char)
        elif ord(char) > 126:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def executor(environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The CI build this run belongs to (GitHub Actions, GitLab CI, Jenkins), or None."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_RUN_ID"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        repo = env.get("GITHUB_REPOSITORY", "")
        run_id = env["GITHUB_RUN_ID"]
        workflow = env.get("GITHUB_WORKFLOW", "workflow")
        return _executor(
            "GitHub Actions",
            "github",
            f"{workflow} #{run_id}",
            f"{server}/{repo}/actions/runs/{run_id}" if repo else None,
            f"{server}/{repo}" if repo else None,
            run_id,
        )
    if env.get("CI_JOB_URL") or env.get("CI_PIPELINE_ID"):
        pipeline = env.get("CI_PIPELINE_ID", "")
        name = f"{env.get('CI_PROJECT_PATH', 'pipeline')} #{pipeline}".strip()
        return _executor(
            "GitLab CI", "gitlab", name, env.get("CI_JOB_URL"), env.get("CI_PROJECT_URL"), pipeline
        )
    if env.get("BUILD_URL") or env.get("JENKINS_URL"):
        number = env.get("BUILD_NUMBER", "")
        return _executor(
            "Jenkins",
            "jenkins",
            f"{env.get('JOB_NAME', 'job')} #{number}",
            env.get("BUILD_URL"),
            env.get("JENKINS_URL"),
            number,
        )
    return None


def _executor(
    name: str, kind: str, build_name: str, build_url: str | None, url: str | None, order: str
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "name": name,
        "type": kind,
        "buildName": build_name,
        "reportName": "SCV conformance",
    }
    if build_url:
        value["buildUrl"] = build_url
        value["reportUrl"] = build_url
    if url:
        value["url"] = url
    if order.isdigit():
        value["buildOrder"] = int(order)
    return value


#: The Allure 3 configuration file ``allure generate`` reads from the folder it runs in.
ALLURE3_CONFIG = "allurerc.json"


#: Allure 3's tree follows the suite labels (the API area, then the operation or workflow)
#: only when told to; without ``groupBy`` it follows each test's path (``specs > ...``).
TREE_GROUP_BY = ["parentSuite", "suite", "subSuite"]


def allure3_config() -> dict[str, Any]:
    """What plain ``allure generate`` (Allure 3) needs from us: the categories and the
    tree by API area."""
    return {
        "categories": allure3_categories(),
        "plugins": {"awesome": {"options": {"groupBy": TREE_GROUP_BY}}},
    }


def write_metadata(
    results_dir: Path, environment: Mapping[str, object], environ: Mapping[str, str] | None = None
) -> None:
    """Write the three files into ``results_dir`` (executor.json only under CI), and the
    Allure 3 configuration beside it."""
    results_dir.mkdir(parents=True, exist_ok=True)
    write_text(results_dir / "environment.properties", environment_properties(environment))
    write_json(results_dir / "categories.json", CATEGORIES)
    write_json(results_dir.parent / ALLURE3_CONFIG, allure3_config())
    build = executor(environ)
    if build is not None:
        write_json(results_dir / "executor.json", build)
