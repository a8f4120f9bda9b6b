"""The fuzzing suite of one pytest process: schemas, engine runs and probes, each run once."""

from __future__ import annotations

import copy
import time

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok
from schemathesis.schemas import BaseSchema

from conformance.core import recording
from conformance.core.context import RunContext
from conformance.core.contract import Operation
from conformance.core.errors import HarnessError
from conformance.core.item_keys import STATEFUL
from conformance.core.selection import Selection
from conformance.core.session import ScvSession
from conformance.fuzz import auth, checks, pace, stateful_checks
from conformance.fuzz.engine_run import run_engine
from conformance.fuzz.grading import Grader, Sent
from conformance.fuzz.job_probe import probe_started_job_exists
from conformance.fuzz.probes import PROBES, sample_request
from conformance.fuzz.profiles import Profile
from conformance.fuzz.st_config import config_table
from conformance.fuzz.stateful_checks import LINKED_RESOURCE
from conformance.fuzz.transport import BoundedSessions
from conformance.fuzz.verdicts import FuzzResult

#: Imported for their registration with schemathesis.
REGISTERED_CHECKS = (checks.RESPONSE_CHECKS, stateful_checks.LINKED_RESOURCE)
REGISTERED_HOOKS = (pace.before_call,)


def only(schema: BaseSchema, operation_ids: list[str]) -> BaseSchema:
    """``schema`` narrowed to ``operation_ids``.

    ``include()`` does not narrow a schema whose configuration has ``[[operations]]``
    entries (their filter already matches everything), so the others are excluded instead.
    """
    keep = set(operation_ids)
    others = [op for op in _operation_ids(schema) if op not in keep]
    return schema.exclude(operation_id=others) if others else schema


def linked(operations: list[Operation]) -> bool:
    """True when a response of one of ``operations`` links to one of them (a walk exists)."""
    ids = {op.operation_id for op in operations}
    return any(
        link.get("operationId") in ids
        for op in operations
        for response in (op.definition.get("responses") or {}).values()
        if isinstance(response, dict)
        for link in (response.get("links") or {}).values()
        if isinstance(link, dict)
    )


def _operation_ids(schema: BaseSchema) -> list[str]:
    raw = schema.raw_schema.get("paths", {})
    return [
        definition["operationId"]
        for item in raw.values()
        for definition in item.values()
        if isinstance(definition, dict) and "operationId" in definition
    ]


class FuzzSuite:
    """Runs the engine once per operation (and once for the stateful phase), lazily."""

    def __init__(
        self,
        context: RunContext,
        profile: Profile,
        seed: int,
        selection: Selection | None = None,
    ) -> None:
        self.context = context
        self.profile = profile
        self.seed = seed
        self.selection = selection or Selection()
        self.session: ScvSession = context.session()
        self.sessions = BoundedSessions(
            self.session.guard, self.session.deadline, on_answer=self._answered
        )
        self.sessions.install()
        self._results: dict[str, FuzzResult] = {}
        self._schemas: dict[str, BaseSchema] = {}
        self.auth: auth.SessionTokenAuth | None = None
        self.grader = Grader(context.contract)
        checks.Budgets.configure(context.settings.response_time_budget_ms, context.settings.budgets)

    def runnable(self) -> list[Operation]:
        """The selected operations that may run against this target."""
        return [
            op
            for op in self.context.contract.operations
            if self.context.skip(op) is None and self.selection.selects_operation(op)
        ]

    def results(self) -> dict[str, FuzzResult]:
        """The runs done so far, by operationId (``stateful`` for the walk)."""
        return dict(self._results)

    def secrets(self) -> tuple[str, ...]:
        return self.session.secrets

    def close(self) -> None:
        self.sessions.uninstall()
        self.session.close()

    def _answered(self, token: str | None, status: int) -> None:
        if token is not None and status != 401:
            self.session.accepted(token)

    def _schema(self, kind: str) -> BaseSchema:
        if kind not in self._schemas:
            phases = (
                ("stateful",)
                if kind == STATEFUL
                else tuple(p for p in self.profile.phases if p != "stateful")
            )
            table = config_table(
                base_url=self.context.target.base_url,
                verify=self.context.target.verify,
                seed=self.seed,
                profile=self.profile,
                operations=self.context.contract.operations,
                phases_run=phases,
                read_only=not self.context.destructive_allowed,
                request_timeout=self.context.settings.request_timeout,
                headers=self.context.target.headers,
                proxy=self.context.target.proxy,
            )
            schema = schemathesis.openapi.from_dict(
                copy.deepcopy(self.context.contract.document),
                config=SchemathesisConfig.from_dict(table),
            )
            provider = auth.install(schema, self.session)
            self.auth = self.auth or provider
            self._schemas[kind] = schema
        return self._schemas[kind]

    def operation_result(self, operation_id: str) -> FuzzResult:
        """Verdicts of every check for one operation (engine phases and probes)."""
        if operation_id not in self._results:
            schema = only(self._schema("operations"), [operation_id])
            result = run_engine(schema, self.secrets, self.grader)
            if operation_id != "login" and not result.errors:
                with recording.labels(recording.PROBE_KIND, operation_id):
                    self._probe(schema, result)
            self._results[operation_id] = result
        return self._results[operation_id]

    def stateful_result(self) -> FuzzResult:
        """Verdicts of every check over the walks along the contract's links."""
        if STATEFUL not in self._results:
            runnable = self.runnable()
            if not linked(runnable):
                # nothing to walk along (the selection or the target left the links out):
                # every check judges no case, so each is not applicable
                self._results[STATEFUL] = FuzzResult()
                return self._results[STATEFUL]
            ids = [op.operation_id for op in runnable]
            schema = only(self._schema(STATEFUL), ids)
            result = run_engine(schema, self.secrets, self.grader)
            if "backupResourceGroupNow" in ids and not result.errors:
                with recording.labels(recording.PROBE_KIND):
                    self._follow_job_links(result)
            self._results[STATEFUL] = result
        return self._results[STATEFUL]

    def _follow_job_links(self, result: FuzzResult) -> None:
        started = time.time()
        try:
            probed = probe_started_job_exists(self.session)
        except HarnessError as exc:
            result.verdict(LINKED_RESOURCE).add_error(str(exc))
            return
        verdict = result.verdict(LINKED_RESOURCE)
        verdict.saw(started, time.time())
        verdict.passed += probed.passed
        for finding in probed.findings:
            verdict.add_failure(finding)
        result.cases += probed.judged

    def _probe(self, schema: BaseSchema, result: FuzzResult) -> None:
        operation = next(r.ok() for r in schema.get_all_operations() if isinstance(r, Ok))
        request = sample_request(operation)
        sent = Sent(operation.path, operation.method.lower())
        for name, probe in PROBES.items():
            started = time.time()
            try:
                verdict = probe(self.session, request)
            except HarnessError as exc:
                result.verdict(name).add_error(str(exc))
                continue
            result.verdicts[name] = self.grader.regrade_auth(verdict, sent)
            result.verdicts[name].saw(started, time.time())
            result.cases += result.verdicts[name].judged
