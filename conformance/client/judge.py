"""The judgement of one client session: each request before its answer, then its answer.

:meth:`ClientJudge.request` judges a request on what it is and on what the client was told
before it (never on the answer it is about to get: a Spring appliance quietly ignores a
misspelled field and answers 200). :meth:`ClientJudge.answer` then keeps what the answer
gave the client (ids, tokens, jobs, secrets) and judges the answer as ``check`` judges a
recorded one. The proxy calls both for live traffic, ``check --client`` for a HAR.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.client.exchange import NO_JSON, ClientAnswer, ClientRequest
from conformance.client.job_following import JOB_OPERATIONS, SUBJECT_NAMES, Jobs, job_id
from conformance.client.provenance import Known, Reference, references
from conformance.client.rules import (
    BUSINESS_RULES,
    JOB_FOLLOWED,
    MISSPELLED_FIELD,
    OPERATION_EXISTS,
    REQUEST_SCHEMA,
    RULES,
    TOKEN_REQUIRED,
    TOKEN_REUSED,
    URL_CHARACTERS,
    VALUE_PROVENANCE,
    Finding,
)
from conformance.client.secrets import Secrets
from conformance.client.spelling import misspellings
from conformance.client.tokens import Tokens
from conformance.client.url_rule import UrlRule
from conformance.contract.grading import Grader
from conformance.contract.matching import OperationMatcher, server_path
from conformance.contract.pointers import dereference
from conformance.contract.spec import Contract, Operation, load_contract
from conformance.http.redaction import REDACTED
from conformance.reporting.har_check import Answer, HarJudge

LOGIN = "login"
TOKEN_HEADER = "token"
#: Paths of vCenter's REST API (sessions, inventory): not SCV's, not judged by its contract.
VCENTER_PREFIXES = ("/api/session", "/api/vcenter/", "/rest/")
#: Where an appliance describes its API (springdoc, springfox, the Swagger UI): documented,
#: outside the contract's operations.
DESCRIPTION_PREFIXES = ("/v3/api-docs", "/v2/api-docs", "/swagger-ui", "/swagger-resources")
#: The documented rule on restartVM, found among the operation's business rules.
RESTART_RULE = "restartVM"
_PARAMETER = re.compile(r"\{([^}/]+)\}")


@dataclass
class RequestVerdict:
    """What one request was found to be, before its answer."""

    request: ClientRequest
    #: The operation it calls; None for vCenter, the API description or no operation.
    operation: Operation | None
    #: What the report files it under: the operationId, else ``METHOD path``.
    subject: str
    findings: list[Finding] = field(default_factory=list)
    #: The rules judged on it, broken or not.
    judged: list[str] = field(default_factory=list)
    vcenter: bool = False
    #: The references it sent, for what its answer tells of jobs.
    references: tuple[Reference, ...] = ()

    @property
    def failed(self) -> bool:
        return any(not f.deviation for f in self.findings)


@dataclass
class RuleTally:
    """One rule on one operation over every request it judged."""

    passed: int = 0
    findings: list[Finding] = field(default_factory=list)
    failed: int = 0
    deviated: int = 0

    @property
    def judged(self) -> int:
        return self.passed + self.failed + self.deviated

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        return "deviated" if self.deviated else "passed"


#: Examples kept per rule and operation.
KEPT_FINDINGS = 3


class ClientJudge:
    """Judges the requests of one client session and keeps its verdicts."""

    def __init__(
        self,
        contract: Contract | None = None,
        *,
        strict: bool = False,
        secrets: Iterable[str] = (),
    ) -> None:
        self.contract = contract or load_contract()
        self.strict = strict
        self.base = server_path(self.contract)
        self.matcher = OperationMatcher(self.contract)
        self.grader = Grader(self.contract)
        self.url_rule = UrlRule(self.contract, self.base)
        self.appliance = HarJudge(self.contract, strict)
        self.known = Known()
        self.jobs = Jobs()
        self.tokens = Tokens()
        self.secrets = Secrets(secrets)
        self.tallies: dict[tuple[str, str], RuleTally] = defaultdict(RuleTally)
        self.requests = 0
        self.not_judged: dict[str, int] = defaultdict(int)
        self._templates = {op.operation_id: _template(op.path) for op in self.contract.operations}

    # -- requests -------------------------------------------------------------------------

    def request(self, request: ClientRequest) -> RequestVerdict:
        """Judge ``request`` on what it is and on what the client was told before it."""
        self.requests += 1
        self.secrets.headers(request.headers.items())
        if request.json is not NO_JSON:
            self.secrets.body(request.json)
        path = request.path
        if path.startswith(VCENTER_PREFIXES):
            return RequestVerdict(request, None, f"vCenter {request.method}", vcenter=True)
        below = path[len(self.base) :] if path.startswith(self.base) else path
        if below.startswith(DESCRIPTION_PREFIXES) or not path.startswith(self.base):
            self.not_judged[f"{request.method} {path}"] += 1
            return RequestVerdict(request, None, f"{request.method} {path}")
        operation = self.matcher.operation(request.method, path)
        verdict = RequestVerdict(request, operation, self._subject(request, operation))
        self._exists(verdict)
        self._url(verdict)
        if operation is None or operation.operation_id != LOGIN:
            self._token(verdict)
        if operation is not None:
            parameters = self._path_values(operation, request.decoded_path())
            self._schema(verdict, parameters)
            self._spelling(verdict)
            refs = tuple(references(operation.operation_id, parameters, _body(request)))
            verdict.references = refs
            self._provenance(verdict, refs)
            self._business_rules(verdict, parameters)
            self._jobs(verdict, refs)
            if operation.operation_id == LOGIN:
                self._login(verdict)
        for rule in dict.fromkeys(verdict.judged):
            self._tally(verdict, rule)
        return verdict

    def _subject(self, request: ClientRequest, operation: Operation | None) -> str:
        if operation is not None:
            return operation.operation_id
        below = request.decoded_path()[len(self.base) :]
        for other in self.contract.operations:
            if self._templates[other.operation_id].fullmatch(below):
                return f"{request.method} {other.path}"
        return f"{request.method} {below}"

    def _find(self, verdict: RequestVerdict, rule: str, message: str, evidence: str = "") -> None:
        request = verdict.request
        verdict.findings.append(
            Finding(
                rule,
                verdict.subject,
                message,
                evidence or RULES[rule].evidence,
                request.index,
                request.method,
                request.url,
            )
        )

    def _exists(self, verdict: RequestVerdict) -> None:
        verdict.judged.append(OPERATION_EXISTS)
        if verdict.operation is not None:
            return
        request = verdict.request
        below = request.decoded_path()[len(self.base) :]
        methods = [
            op.method.upper()
            for op in self.contract.operations
            if self._templates[op.operation_id].fullmatch(below)
        ]
        if methods:
            message = (
                f"{request.method} {below}: the contract has no {request.method} on this "
                f"path (it has {', '.join(methods)})"
            )
        else:
            message = f"{request.method} {below}: no operation of the contract has this path"
        self._find(verdict, OPERATION_EXISTS, message)

    def _url(self, verdict: RequestVerdict) -> None:
        verdict.judged.append(URL_CHARACTERS)
        found = self.url_rule.violation(verdict.request.path, verdict.operation)
        if found:
            shown = " ".join(f"'{c}'" for c in found)
            self._find(
                verdict,
                URL_CHARACTERS,
                f"the path {verdict.request.path} has {shown} in a segment below the version; "
                "the documentation forbids + . % & in a REST URL",
            )

    def _token(self, verdict: RequestVerdict) -> None:
        verdict.judged.append(TOKEN_REQUIRED)
        token = verdict.request.header(TOKEN_HEADER)
        if not token:
            self._find(
                verdict,
                TOKEN_REQUIRED,
                f"{verdict.request.method} {verdict.request.path} sent no Token header; every "
                "call but login must send the token the login returned",
            )
            return
        self.tokens.used(token)
        verdict.judged.append(VALUE_PROVENANCE)
        if self.tokens.known(token) or REDACTED in token:
            return
        self._find(
            verdict,
            VALUE_PROVENANCE,
            "the Token header holds a token no login answer gave this client",
        )

    def _schema(self, verdict: RequestVerdict, parameters: dict[str, str]) -> None:
        operation = verdict.operation
        assert operation is not None
        request = verdict.request
        verdict.judged.append(REQUEST_SCHEMA)
        has_body = request.has_body
        body = request.json
        if has_body and body is NO_JSON and operation.definition.get("requestBody"):
            self._find(verdict, REQUEST_SCHEMA, "the request body is not JSON")
            return
        sent = {
            "path": parameters,
            "query": request.query_values(),
            "header": dict(request.headers),
        }
        kwargs: dict[str, Any] = {
            "body": None if body is NO_JSON else body,
            "has_body": has_body,
            "parameters": sent,
        }
        full = self.grader.full.request_problem(operation.path, operation.method, **kwargs)
        if full is None:
            return
        relaxed = self.grader.relaxed.request_problem(operation.path, operation.method, **kwargs)
        self._find(
            verdict,
            REQUEST_SCHEMA,
            full,
            "assumption" if relaxed is None else "doc",
        )

    def _spelling(self, verdict: RequestVerdict) -> None:
        operation = verdict.operation
        assert operation is not None
        body = verdict.request.json
        definition = dereference(
            self.contract.document, operation.definition.get("requestBody"), None
        )
        if not isinstance(definition, dict) or body is NO_JSON:
            return
        content = definition.get("content") or {}
        media = next((m for m in content if "json" in m), None)
        if media is None:
            return
        verdict.judged.append(MISSPELLED_FIELD)
        found = misspellings(
            self.contract.document, content[media].get("schema"), body, operation.evidence
        )
        for wrong in found:
            self._find(
                verdict,
                MISSPELLED_FIELD,
                f"the body field {wrong.sent!r} (at {wrong.where}) is not in the contract; it "
                f"misspells the documented {wrong.documented!r}, which a Spring appliance "
                f"then never sees (it ignores unknown fields and matches names by case)",
                "assumption" if wrong.evidence == "assumption" else wrong.evidence,
            )
        if found:
            # the unknown field is named as a misspelling: not also as an assumed closed schema
            verdict.findings = [
                f for f in verdict.findings if not (f.rule == REQUEST_SCHEMA and f.deviation)
            ]

    def _provenance(self, verdict: RequestVerdict, refs: tuple[Reference, ...]) -> None:
        if not refs:
            return
        verdict.judged.append(VALUE_PROVENANCE)
        for ref in refs:
            known = self.known.knows(ref)
            if known is False:
                self._find(
                    verdict,
                    VALUE_PROVENANCE,
                    f"the {ref.where} is {ref.value!r}, a value no earlier answer gave this "
                    "client (made up, or from another appliance)",
                )

    def _business_rules(self, verdict: RequestVerdict, parameters: dict[str, str]) -> None:
        operation = verdict.operation
        assert operation is not None
        rule = next((r for r in operation.business_rules if RESTART_RULE in r.rule), None)
        body = _body(verdict.request)
        if rule is None or not isinstance(body, dict) or "backupId" not in parameters:
            return
        verdict.judged.append(BUSINESS_RULES)
        partial = self.known.partial.get(parameters["backupId"])
        if body.get(RESTART_RULE) is True and partial:
            self._find(
                verdict,
                BUSINESS_RULES,
                f"restartVM is true for backup {parameters['backupId']}, which the appliance "
                f"listed as partial: {rule.rule}",
                rule.evidence,
            )

    def _jobs(self, verdict: RequestVerdict, refs: tuple[Reference, ...]) -> None:
        operation = verdict.operation
        assert operation is not None
        if not operation.mutates or operation.operation_id in JOB_OPERATIONS:
            return
        verdict.judged.append(JOB_FOLLOWED)
        for job in self.jobs.touching(_subject_values(refs)):
            self._find(
                verdict,
                JOB_FOLLOWED,
                f"job {job.job_id} (started by {job.operation_id}, request {job.index}) on the "
                "same subject was not followed to its end before this request",
            )

    def _login(self, verdict: RequestVerdict) -> None:
        verdict.judged.append(TOKEN_REUSED)
        if self.tokens.login():
            self._find(
                verdict,
                TOKEN_REUSED,
                f"login number {self.tokens.logins}, while the last token was still good and "
                "had served at most one call: the client logs in before every call instead "
                "of reusing its token",
            )

    def _path_values(self, operation: Operation, path: str) -> dict[str, str]:
        below = path[len(self.base) :].rstrip("/")
        found = self._templates[operation.operation_id].fullmatch(below)
        return dict(found.groupdict()) if found else {}

    def _tally(self, verdict: RequestVerdict, rule: str) -> None:
        tally = self.tallies[(verdict.subject, rule)]
        found = [f for f in verdict.findings if f.rule == rule]
        if not found:
            tally.passed += 1
            return
        if all(f.deviation for f in found):
            tally.deviated += 1
        else:
            tally.failed += 1
        for finding in found:
            if len(tally.findings) < KEPT_FINDINGS:
                tally.findings.append(finding)

    # -- answers --------------------------------------------------------------------------

    def answer(self, verdict: RequestVerdict, answer: ClientAnswer) -> None:
        """Keep what ``answer`` told the client; judge it as ``check`` does."""
        self.learn(verdict, answer)
        self.judge_answer(verdict, answer)

    def learn(self, verdict: RequestVerdict, answer: ClientAnswer) -> None:
        """Keep what ``answer`` told the client (ids, tokens, jobs, secrets): before the
        client reads it, so that the request it sends next is judged on all of it."""
        request = verdict.request
        self.secrets.headers(answer.headers.items())
        body = answer.json
        if body is not NO_JSON:
            self.secrets.body(body)
        if verdict.vcenter:
            if isinstance(body, str) and request.path.endswith("/session"):
                self.secrets.add(body)  # vCenter's session id is the whole answer
            if body is not NO_JSON and answer.status < 400:
                self.known.learn("vCenter", body, vcenter=True)
            return
        operation = verdict.operation
        if operation is None:
            return
        token = request.header(TOKEN_HEADER)
        if answer.status == 401 and token:
            self.tokens.refuse(token)
        if body is NO_JSON:
            return
        if operation.operation_id == LOGIN and answer.status < 300:
            issued = _token_of(body)
            if issued:
                self.tokens.issued(issued)
                self.secrets.add(issued)
        if answer.status < 400:
            new = self.known.learn(_resource(operation), body)
            started = job_id(body)
            subject = _subject_values(verdict.references)
            if started is not None:
                self.jobs.started(started, operation.operation_id, request.index, subject)
            elif not operation.mutates:
                touched = self.jobs.touching(subject)
                if touched:
                    self.jobs.produced(touched, new)
            self.jobs.learn(body)

    def judge_answer(self, verdict: RequestVerdict, answer: ClientAnswer) -> None:
        """Judge the appliance's ``answer`` as ``check`` judges a recorded one."""
        if verdict.vcenter or verdict.operation is None:
            return
        request = verdict.request
        self.appliance.judge(
            Answer(
                index=request.index,
                method=request.method,
                url=request.url,
                status=answer.status,
                content_type=answer.content_type,
                text=answer.text,
                truncated=answer.truncated,
                has_token=bool(request.header(TOKEN_HEADER)),
                kind=None,
                operation_id=verdict.operation.operation_id if verdict.operation else None,
            )
        )

    # -- verdict --------------------------------------------------------------------------

    def findings(self) -> list[Finding]:
        """Every kept finding, failures first."""
        kept = [f for tally in self.tallies.values() for f in tally.findings]
        return sorted(kept, key=lambda f: (f.deviation, f.index))

    @property
    def failed(self) -> bool:
        return any(t.failed for t in self.tallies.values()) or (
            self.strict and any(t.deviated for t in self.tallies.values())
        )


def _template(path: str) -> re.Pattern[str]:
    pieces = _PARAMETER.split(path)
    pattern = ""
    for position, piece in enumerate(pieces):
        pattern += f"(?P<{piece}>[^/]+)" if position % 2 else re.escape(piece)
    return re.compile(pattern + "/?")


def _resource(operation: Operation) -> str:
    """What an operation's path is about: ``policies`` for ``/4.1/policies/{policyId}``."""
    parts = operation.path.strip("/").split("/")
    return parts[1] if len(parts) > 1 else parts[0]


def _body(request: ClientRequest) -> Any:
    return None if request.json is NO_JSON else request.json


def _subject_values(refs: Iterable[Reference]) -> set[str]:
    return {
        r.value
        for r in refs
        if r.name in SUBJECT_NAMES or (r.where.startswith("path") and r.name != "id")
    }


def _token_of(body: Any) -> str | None:
    response = body.get("response") if isinstance(body, dict) else None
    token = response.get("token") if isinstance(response, dict) else None
    return str(token) if token else None
