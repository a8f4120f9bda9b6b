"""``scv-conformance check FILE.har``: judge recorded exchanges against the contract, offline.

Each entry is matched to its operation by method and path template (the contract's server
path, ``/api``, before it). The checks that need nothing but the answer are judged, under
the names the live fuzzing run uses: the status code is documented, the content type and
the JSON body match the documented response, no 5xx, the envelope's ``uri`` is null, error
answers are the SCV envelope without stack traces, and a call without a token (login
aside) is refused with 401. Entries of the harness's own HAR (``--record``) carry the kind
of input in ``_scv``: answers to probes are judged only for the token rule, as live, and
the stateful walk is one subject, ``stateful``, as in the live run.

Violations are graded as in the live run (:mod:`conformance.contract.grading`): one that
contradicts only an assumption of ours is a **deviation**, listed under ``deviations`` and
leaving the verdict conformant (exit 0) unless ``--strict``; one of documented or
client-proven behaviour is a failure (exit 1). ``--overlay`` adapts the contract first.

The HAR is read whole (a JSON document); ``--record`` keeps bodies at 64 KiB to bound it.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conformance.contract import json_budget
from conformance.contract.answers import AnswerJudge, Documented, media_matches
from conformance.contract.grading import Answered, Grader, Sent
from conformance.contract.matching import OperationMatcher
from conformance.contract.scv_rules import AUTH_REQUIRED, ERROR_ENVELOPE, URI_NULL, EnvelopeRules
from conformance.contract.spec import Contract, Operation, load_contract
from conformance.core.errors import ExitCode, UsageError
from conformance.core.inputs import read_input
from conformance.http.recording import PROBE_KIND
from conformance.reporting.atomic import write_json, write_text

NOT_A_SERVER_ERROR = "not_a_server_error"
STATUS_CODE = "status_code_conformance"
CONTENT_TYPE = "content_type_conformance"
RESPONSE_SCHEMA = "response_schema_conformance"
#: Every check ``check`` judges, in report order.
OFFLINE_CHECKS = (
    NOT_A_SERVER_ERROR,
    STATUS_CODE,
    CONTENT_TYPE,
    RESPONSE_SCHEMA,
    URI_NULL,
    ERROR_ENVELOPE,
    AUTH_REQUIRED,
)
STATEFUL = "stateful"
KEPT_FINDINGS = 3
#: Distinct answers whose problems are kept, so that a repeated answer is judged once.
MEMO_SIZE = 256
#: Console width when the output is a log rather than a terminal.
PLAIN_WIDTH = 120


@dataclass(frozen=True)
class Answer:
    """What a HAR entry holds that the checks need."""

    index: int
    method: str
    url: str
    status: int
    content_type: str
    text: str
    truncated: bool
    has_token: bool
    kind: str | None
    operation_id: str | None = None

    def json(self) -> Any:
        """The decoded JSON body, or None when it is not JSON (or was cut)."""
        if "json" not in self.content_type.lower() or not self.text or self.truncated:
            return None
        try:
            return json_budget.loads(self.text)
        except ValueError:
            return None


@dataclass
class CheckTally:
    """One check of one subject over every entry it judged."""

    passed: int = 0
    failed: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)
    #: Violations of our assumptions only, and the kept ones.
    deviated: int = 0
    deviations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        return "deviated" if self.deviated else "passed"

    @property
    def judged(self) -> int:
        return self.passed + self.failed + self.deviated


class HarJudge:
    """Judges answers against one contract, check by check."""

    def __init__(self, contract: Contract, strict: bool = False) -> None:
        self.contract = contract
        self.strict = strict
        self.matcher = OperationMatcher(contract)
        self.answers = AnswerJudge(contract.document)
        self.envelope = EnvelopeRules.of(contract.document)
        self.grader = Grader(contract)
        self.tallies: dict[tuple[str, str], CheckTally] = defaultdict(CheckTally)
        self.unmatched: dict[str, int] = defaultdict(int)
        self.entries = 0
        #: The problems of the answers judged last (most recent last), by what they hang on.
        self._memo: dict[tuple[str, int, str, bool, str], list[tuple[str, str | None]]] = {}

    def judge(self, answer: Answer) -> None:
        self.entries += 1
        operation = self._labelled(answer) or self.matcher.operation(answer.method, answer.url)
        if operation is None:
            self.unmatched[f"{answer.method} {_path(answer.url)}"] += 1
            return
        if operation.method != answer.method.lower():
            return  # a case sent with a wrong method on purpose: live, only a 405 is expected
        # the harness's own HAR says which calls probed the token rule, as the live run
        # judged it; any other HAR is judged on every call without a token
        probes_auth = answer.kind is None or answer.kind == PROBE_KIND
        if probes_auth and operation.operation_id != "login" and not answer.has_token:
            problem = None
            if answer.status != 401:
                problem = (
                    f"{answer.method} {operation.path} without a Token header answered "
                    f"{answer.status}; every operation but login must answer 401"
                )
            deviation = problem is not None and self.grader.auth_refusal_deviates(
                Sent(operation.path, operation.method), answer.status
            )
            self._tally(operation.operation_id, AUTH_REQUIRED, answer, problem, deviation)
        if answer.kind == PROBE_KIND:
            return
        is_stateful = bool(answer.kind and answer.kind.startswith(STATEFUL))
        subject = STATEFUL if is_stateful else operation.operation_id
        sent = Sent(operation.path, operation.method)
        answered = Answered(answer.status, answer.content_type, answer.text)
        for check, problem in self._problems(operation, answer):
            deviation = problem is not None and self.grader.is_deviation(check, sent, answered)
            self._tally(subject, check, answer, problem, deviation)

    def _labelled(self, answer: Answer) -> Operation | None:
        """The operation the harness's HAR names for an entry, if it is in the contract."""
        if answer.operation_id is None:
            return None
        try:
            return self.contract.operation(answer.operation_id)
        except KeyError:
            return None

    def _problems(self, operation: Operation, answer: Answer) -> list[tuple[str, str | None]]:
        """The answer's problems, judged once per distinct answer: a client that polls a
        job, or a suite that lists the same groups again, gets the same answer many times,
        and its schema validation is what judging costs (a few ms for a long list)."""
        key = (
            operation.operation_id,
            answer.status,
            answer.content_type,
            answer.truncated,
            answer.text,
        )
        found = self._memo.get(key)
        if found is None:
            found = self._response_problems(operation, answer)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.pop(next(iter(self._memo)))
        else:
            del self._memo[key]
        self._memo[key] = found
        return found

    def _response_problems(
        self, operation: Operation, answer: Answer
    ) -> list[tuple[str, str | None]]:
        results: list[tuple[str, str | None]] = []
        server_error = f"Server error: HTTP {answer.status}" if answer.status >= 500 else None
        results.append((NOT_A_SERVER_ERROR, server_error))
        documented = self.answers.documented(operation.path, operation.method, answer.status)
        if documented is None:
            problem = self.answers.status_problem(operation.path, operation.method, answer.status)
            results.append((STATUS_CODE, problem))
        else:
            results.append((STATUS_CODE, None))
            results += self._content_problems(documented, answer)
        body = answer.json()
        if body is not None:
            results.append((URI_NULL, self.envelope.uri_problem(body)))
        if answer.status >= 400 and not answer.truncated:
            problem = self.envelope.error_envelope_problem(
                answer.status, answer.text, answer.content_type, body
            )
            results.append((ERROR_ENVELOPE, problem))
        return results

    def _content_problems(
        self, documented: Documented, answer: Answer
    ) -> list[tuple[str, str | None]]:
        if not documented.response.get("content"):
            return []
        problem = self.answers.content_type_problem(documented, answer.content_type)
        if problem:
            return [(CONTENT_TYPE, problem)]
        results: list[tuple[str, str | None]] = [(CONTENT_TYPE, None)]
        body = answer.json()
        if body is not None:
            content = documented.response["content"]
            received = answer.content_type.split(";")[0].strip().lower()
            media = next((m for m in content if media_matches(m, received)), None)
            if media is not None and content[media].get("schema") is not None:
                problem = self.answers.body_problem(documented, answer.content_type, body)
                results.append((RESPONSE_SCHEMA, problem))
        return results

    def _tally(
        self,
        subject: str,
        check: str,
        answer: Answer,
        problem: str | None,
        deviation: bool = False,
    ) -> None:
        tally = self.tallies[(subject, check)]
        if problem is None:
            tally.passed += 1
            return
        if deviation:
            tally.deviated += 1
        else:
            tally.failed += 1
        kept = tally.deviations if deviation else tally.findings
        if len(kept) < KEPT_FINDINGS:
            kept.append(
                {
                    "entry": answer.index,
                    "method": answer.method,
                    "url": answer.url,
                    "status": answer.status,
                    "message": problem,
                }
            )

    def summary(self, source: str) -> dict[str, Any]:
        """The verdict as a document like the run's summary.json."""
        operations: dict[str, Any] = {}
        failures = []
        deviations = []
        for (subject, check), tally in sorted(self.tallies.items(), key=_order):
            entry = operations.setdefault(subject, {"status": "passed", "checks": {}})
            entry["checks"][check] = tally.status
            if tally.failed:
                entry["status"] = "failed"
                failures.append(_listed(subject, check, tally, tally.failed, tally.findings))
            if tally.deviated:
                if entry["status"] == "passed":
                    entry["status"] = "deviated"
                deviations.append(_listed(subject, check, tally, tally.deviated, tally.deviations))
        failing = bool(failures) or (self.strict and bool(deviations))
        return {
            "har": source,
            "contract": {"sha256": self.contract.sha256, "version": self.contract.version},
            "entries": self.entries,
            "unmatched": dict(sorted(self.unmatched.items())),
            "status": "failures" if failing else "conformant",
            "exitCode": int(ExitCode.FAILURES if failing else ExitCode.CONFORMANT),
            "strict": self.strict,
            "operations": dict(sorted(operations.items())),
            "failures": failures,
            "deviations": deviations,
        }


def _listed(
    subject: str, check: str, tally: CheckTally, count: int, examples: list[dict[str, Any]]
) -> dict[str, Any]:
    """A failure or a deviation as the summary lists it."""
    return {
        "operationId": subject,
        "check": check,
        "failed": count,
        "judged": tally.judged,
        "message": examples[0]["message"],
        "examples": examples,
    }


def _order(item: tuple[tuple[str, str], CheckTally]) -> tuple[str, int]:
    (subject, check), _ = item
    return subject, OFFLINE_CHECKS.index(check)


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def _header(headers: Any, name: str) -> str | None:
    for header in headers or []:
        if isinstance(header, dict) and str(header.get("name", "")).lower() == name:
            return str(header.get("value", ""))
    return None


def read_entries(path: Path) -> list[Any]:
    """The ``log.entries`` of a HAR file, as they are; UsageError when it is no HAR."""
    raw = read_input(path, "check")
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise UsageError(f"{path} is not a HAR file: {type(exc).__name__}: {exc}") from None
    entries = document.get("log", {}).get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise UsageError(f"{path} is not a HAR file: it has no log.entries list")
    return entries


def not_an_entry(path: Path, index: int) -> UsageError:
    """The one-line error of a HAR entry that lacks what every entry has."""
    return UsageError(
        f"{path}: entry {index} is not a HAR entry (request.method, request.url and "
        "response.status are required)"
    )


def read_answers(path: Path) -> list[Answer]:
    """The answered entries of a HAR file; UsageError when it is no HAR."""
    answers = []
    for index, entry in enumerate(read_entries(path)):
        try:
            answers.append(answer_of(index, entry))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise not_an_entry(path, index) from None
    return [a for a in answers if a.status > 0]


def answer_of(index: int, entry: dict[str, Any]) -> Answer:
    """What entry ``index`` of a HAR holds for the checks (KeyError and such when malformed)."""
    request, response = entry["request"], entry["response"]
    content = response.get("content") or {}
    text = content.get("text") or ""
    if content.get("encoding") == "base64":
        text = ""  # binary content: nothing for a JSON check to read
    size = content.get("size")
    truncated = isinstance(size, int) and size > len(text.encode("utf-8")) and bool(text)
    labels = entry.get("_scv")
    scv: dict[str, Any] = labels if isinstance(labels, dict) else {}
    return Answer(
        index=index,
        method=str(request["method"]).upper(),
        url=str(request["url"]),
        status=int(response["status"]),
        content_type=_header(response.get("headers"), "content-type")
        or str(content.get("mimeType") or ""),
        text=text,
        truncated=truncated,
        has_token=_header(request.get("headers"), "token") is not None,
        kind=scv.get("kind"),
        operation_id=scv.get("operationId"),
    )


def render_markdown(summary: dict[str, Any]) -> str:
    """The verdict for people."""
    lines = [
        f"# Offline check of {summary['har']}",
        "",
        f"**{summary['status']}** · {summary['entries']} entries · "
        f"contract {summary['contract']['version']}",
        "",
    ]
    if summary["failures"]:
        lines += findings_table(summary["failures"])
    elif not summary["deviations"]:
        lines.append("Every judged check held.")
    else:
        lines.append("No failures.")
    if summary["deviations"]:
        strict = " (failing the check: --strict)" if summary["strict"] else ""
        lines += ["", f"## Deviations from our assumptions{strict}", ""]
        lines += findings_table(summary["deviations"])
    if summary["unmatched"]:
        lines += ["", "Not in the contract (not judged):", ""]
        lines += [f"- `{call}` x{count}" for call, count in summary["unmatched"].items()]
    return "\n".join(lines) + "\n"


def findings_table(entries: list[dict[str, Any]], check: str = "check") -> list[str]:
    """Failures or deviations as the lines of a Markdown table (``check``: its heading)."""
    lines = [f"| operation | {check} | failed | message |", "|---|---|---|---|"]
    for entry in entries:
        message = str(entry["message"]).splitlines()[0].replace("|", "\\|")
        lines.append(
            f"| {entry['operationId']} | {entry['check']} | "
            f"{entry['failed']} of {entry['judged']} | {message} |"
        )
    return lines


def print_table(console: Console, summary: dict[str, Any]) -> None:
    table = Table(title=f"check {summary['har']}")
    table.add_column("operation", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("failed", no_wrap=True, min_width=9)
    table.add_column("first failure", no_wrap=True, overflow="ellipsis", max_width=60)
    for failure in summary["failures"]:
        failed = f"{failure['failed']} of {failure['judged']}"
        first = failure["message"].splitlines()[0]
        table.add_row(failure["operationId"], failure["check"], failed, first)
    for deviation in summary["deviations"]:
        failed = f"{deviation['failed']} of {deviation['judged']}"
        first = escape("[deviation] " + deviation["message"].splitlines()[0])
        table.add_row(deviation["operationId"], deviation["check"], failed, first)
    passed = sum(
        1
        for entry in summary["operations"].values()
        for s in entry["checks"].values()
        if s == "passed"
    )
    if table.row_count:
        console.print(table)
    unmatched = sum(summary["unmatched"].values())
    console.print(
        f"{summary['entries']} entries · {len(summary['operations'])} operations · "
        f"{passed} checks held · {len(summary['failures'])} failed"
        + (f" · {len(summary['deviations'])} deviated" if summary["deviations"] else "")
        + (f" · {unmatched} entries not in the contract" if unmatched else "")
        + f" → {summary['status']}"
    )


def _console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PLAIN_WIDTH
    return console


def run_check(
    path: Path,
    out: Path | None = None,
    console: Console | None = None,
    *,
    overlays: tuple[Path, ...] = (),
    strict: bool = False,
) -> int:
    """Judge the HAR at ``path``; print the table, write ``out`` if given; the exit code."""
    answers = read_answers(path)
    judge = HarJudge(load_contract(overlays=overlays), strict)
    for answer in answers:
        judge.judge(answer)
    summary = judge.summary(str(path))
    if out is not None:
        write_json(out / "summary.json", summary)
        write_text(out / "summary.md", render_markdown(summary))
    print_table(console or _console(), summary)
    return int(summary["exitCode"])
