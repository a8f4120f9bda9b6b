"""The fuzzing suite of one pytest process: schemas, engine runs and probes, each run once."""

from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import schemathesis
from schemathesis import BaseSchema
from schemathesis import Config as SchemathesisConfig

from conformance.child.threads import threads_ahead
from conformance.contract.grading import Grader, Sent
from conformance.contract.spec import Contract, Operation
from conformance.core.context import RunContext
from conformance.core.errors import HarnessError
from conformance.core.item_keys import STATEFUL
from conformance.core.scheduler import ConflictScheduler
from conformance.core.selection import Selection
from conformance.custody.ledger import Ledger
from conformance.custody.owned import Owned
from conformance.fuzz import auth, checks, stateful_checks
from conformance.fuzz.engine_run import run_engine
from conformance.fuzz.grading import regrade_auth
from conformance.fuzz.job_probe import probe_started_job_exists
from conformance.fuzz.probes import PROBES, sample_request
from conformance.fuzz.profiles import Profile
from conformance.fuzz.st_config import LOGIN, config_table
from conformance.fuzz.st_internals import Ok
from conformance.fuzz.stateful_checks import LINKED_RESOURCE
from conformance.fuzz.steered import SteeredCases
from conformance.fuzz.transport import BoundedSessions
from conformance.fuzz.verdicts import FuzzResult, Verdict
from conformance.http import recording
from conformance.http.session import ScvSession

try:  # Hypothesis's own scan of loaded modules for constants to draw (see start_ahead)
    from hypothesis.internal.conjecture.providers import _get_local_constants
except ImportError:  # pragma: no cover - another Hypothesis: nothing to do ahead
    _get_local_constants = None  # type: ignore[assignment]

#: Imported for their registration with schemathesis.
REGISTERED_CHECKS = (checks.RESPONSE_CHECKS, stateful_checks.LINKED_RESOURCE)


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


Key = tuple[str, str]
SURVEY: Key = ("survey", "survey")


def ahead_plan(
    contract: Contract, operation_ids: Sequence[str], stateful: bool = False
) -> tuple[list[Key], Callable[[Any, Any], bool]]:
    """The jobs of :meth:`FuzzSuite.start_ahead` in the order they should start (kind,
    subject: ``engine``/``probes`` of an operation, the ``survey``, the walk's ``schema``,
    the ``stateful`` walk) and which two must not overlap."""
    changing = {op for op in operation_ids if contract.operation(op).mutates}
    resource = {op: contract.operation(op).resource for op in changing}
    engines = [op for op in operation_ids if op not in changing] + [
        op for op in operation_ids if op in changing
    ]
    keys: list[Key] = [SURVEY] + ([("schema", STATEFUL)] if stateful else [])
    keys += [("engine", op) for op in engines]
    keys += [("probes", op) for op in operation_ids if op != LOGIN]
    keys += [(STATEFUL, STATEFUL)] if stateful else []

    def conflicts(a: Any, b: Any) -> bool:
        # What the appliance holds is surveyed before the run may have made anything:
        # before any change and any probe (a wrong target may accept a probe), beside
        # the reads. A state-changing run goes beside no read and no change of its own
        # resource; probes send what a correct target refuses. The walk starts from the
        # state they all leave. (Hypothesis 6.136 and later run tests in several
        # threads at once, as st run -w does from its first case.)
        if SURVEY in (a, b):
            other = b if a == SURVEY else a
            return other[0] in ("probes", STATEFUL) or other[1] in changing
        if STATEFUL in (a[0], b[0]):
            return True
        if not a[0] == b[0] == "engine" or (a[1] not in changing and b[1] not in changing):
            return False
        return a[1] not in changing or b[1] not in changing or resource[a[1]] == resource[b[1]]

    return keys, conflicts


class FuzzSuite:
    """Runs the engine once per operation (and once for the stateful phase), lazily.

    With :meth:`start_ahead`, the runs go ahead in threads, several at once, so that
    their requests overlap the target's latency, in an order that does not depend on how
    many: first the engine runs of the operations that only read (side by side), then
    those of the operations that change state (one resource at a time, in contract order;
    different resources side by side), and the probes of every operation beside them.
    Hypothesis sends more cases after a failed check (it looks for the smallest), so a
    run's cases depend on the answers it meets: this way every read meets the state the
    run started from, and every change meets the same state of its resource whatever the
    concurrency, so a seed sends the same cases. The stateful walk waits for them all: it
    starts from the state they leave. With state changes allowed, what the appliance holds
    is read first (the survey), beside the reads only.
    """

    def __init__(
        self,
        context: RunContext,
        profile: Profile,
        seed: int,
        selection: Selection | None = None,
        ledger: Ledger | None = None,
    ) -> None:
        self.context = context
        self.profile = profile
        self.seed = seed
        self.selection = selection or Selection()
        self.session: ScvSession = context.session()
        self.sessions = BoundedSessions(self.session.policy, on_answer=self._answered)
        self.sessions.install()
        self._results: dict[str, FuzzResult] = {}
        self._schemas: dict[str, BaseSchema] = {}
        self._schema_lock = threading.Lock()
        self._ahead: ConflictScheduler[Any] | None = None
        self._guards = contextlib.ExitStack()
        self.auth: auth.SessionTokenAuth | None = None
        self.grader = Grader(context.contract)
        # with state changes allowed, cases work on items the run creates, owed in the ledger
        self.steered = SteeredCases(
            context.contract,
            self.session,
            Owned(context.settings.run_id or "", ledger),
            destructive=context.destructive_allowed,
        )
        self._guards.enter_context(self.steered.active())
        self._surveyed = False
        checks.Envelope.configure(context.contract.document)

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
        if self._ahead is not None:
            self._ahead.cancel()
            self._ahead.join()
        self._guards.close()
        self.sessions.uninstall()
        self.session.close()

    def start_ahead(
        self, operation_ids: Sequence[str], concurrency: int, stateful: bool = False
    ) -> None:
        """Start the runs of ``operation_ids`` (and their probes), ``concurrency`` at once;
        with ``stateful``, the walk too, the moment the last of them has ended (its schema
        built beside them), rather than when pytest gets to its item.

        Requests still keep the process's pace: ``--rate-limit`` is one for all threads.
        """
        if self._ahead is not None:
            return
        self._guards.enter_context(threads_ahead())
        if _get_local_constants is not None:
            # Hypothesis scans the loaded modules' sources for constants the first time it
            # wants one, which threads must not do at once (it parses them with ast, which
            # CPython 3.11 does not guard): scan here, before there are threads.
            _get_local_constants()
        keys, conflicts = ahead_plan(self.context.contract, operation_ids, stateful)
        run: dict[str, Callable[[str], Any]] = {
            "engine": self._engine,
            "probes": self._probes,
            "survey": lambda _: self._survey(),
            "schema": self._schema,
            STATEFUL: lambda _: self._walk(),
        }
        jobs = [(key, lambda key=key: run[key[0]](key[1])) for key in keys]
        self._ahead = ConflictScheduler(jobs, concurrency, conflicts, ordered=True, name="fuzz")
        self._ahead.start()

    def _survey(self) -> None:
        """Note what the appliance holds before the run sends anything (once)."""
        if not self._surveyed:
            self.steered.survey(self.context.settings.concurrency)
            self._surveyed = True

    def _answered(self, token: str | None, status: int) -> None:
        if token is not None and status != 401:
            self.session.accepted(token)

    def _schema(self, kind: str) -> BaseSchema:
        schema = self._schemas.get(kind)  # built once: no lock to wait on after that
        if schema is None:
            with self._schema_lock:
                schema = self._schema_locked(kind)
        return schema

    def _schema_locked(self, kind: str) -> BaseSchema:
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
                response_time_ms=self.context.settings.response_time_budget_ms,
                response_time_overrides=self.context.settings.budgets,
                mode=self.selection.generation_mode,
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
            if self._ahead is not None and ("engine", operation_id) in self._ahead:
                result = self._waited(("engine", operation_id))
                probes = self._waited(("probes", operation_id)) if operation_id != "login" else {}
            else:
                self._survey()
                result = self._engine(operation_id)
                probes = (
                    self._probes(operation_id)
                    if operation_id != "login" and not result.errors
                    else {}
                )
            if not result.errors:
                for name, verdict in probes.items():
                    result.verdicts[name] = verdict
                    result.cases += verdict.judged
            self._results[operation_id] = result
        return self._results[operation_id]

    def _waited(self, key: tuple[str, str]) -> Any:
        assert self._ahead is not None
        done = self._ahead.wait(key)
        if done.error is not None:
            raise done.error
        return done.value

    def _engine(self, operation_id: str) -> FuzzResult:
        schema = only(self._schema("operations"), [operation_id])
        return run_engine(schema, self.secrets, self.grader)

    def stateful_result(self) -> FuzzResult:
        """Verdicts of every check over the walks along the contract's links."""
        if STATEFUL not in self._results:
            if self._ahead is not None and (STATEFUL, STATEFUL) in self._ahead:
                self._results[STATEFUL] = self._waited((STATEFUL, STATEFUL))
            else:
                if self._ahead is not None:
                    self._ahead.wait_all()  # each operation's item reports its own outcome
                self._survey()
                self._results[STATEFUL] = self._walk()
        return self._results[STATEFUL]

    def _walk(self) -> FuzzResult:
        runnable = self.runnable()
        if not linked(runnable):
            # nothing to walk along (the selection or the target left the links out):
            # every check judges no case, so each is not applicable
            return FuzzResult()
        # login has no links: the walk would only add failed logins
        ids = [op.operation_id for op in runnable if op.operation_id != LOGIN]
        schema = only(self._schema(STATEFUL), ids)
        result = run_engine(schema, self.secrets, self.grader)
        if "backupResourceGroupNow" in ids and not result.errors:
            with recording.labels(recording.PROBE_KIND):
                self._follow_job_links(result)
        return result

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

    def _probes(self, operation_id: str) -> dict[str, Verdict]:
        """The probes' verdicts for one operation (an error is a verdict's error)."""
        schema = only(self._schema("operations"), [operation_id])
        operation = next(r.ok() for r in schema.get_all_operations() if isinstance(r, Ok))
        request = self.steered.probe_request(sample_request(operation))
        sent = Sent(operation.path, operation.method.lower())
        verdicts: dict[str, Verdict] = {}
        # a session of its own: probes note the exchanges of the session they send through
        session = self.context.session() if self._ahead is not None else self.session
        try:
            with recording.labels(recording.PROBE_KIND, operation_id):
                for name, probe in PROBES.items():
                    started = time.time()
                    try:
                        verdicts[name] = regrade_auth(self.grader, probe(session, request), sent)
                    except HarnessError as exc:
                        verdicts[name] = Verdict(name)
                        verdicts[name].add_error(str(exc))
                        continue
                    verdicts[name].saw(started, time.time())
        finally:
            if session is not self.session:
                session.close()
        return verdicts
