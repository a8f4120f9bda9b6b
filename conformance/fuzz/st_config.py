"""The schemathesis configuration of a fuzzing run, as the ``schemathesis.toml`` table.

The same table configures the harness's engine and, written out as TOML, a plain ``st run``;
that keeps the two comparable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from conformance.contract.spec import Operation
from conformance.fuzz.expectations import positive_statuses
from conformance.fuzz.profiles import Profile

REQUEST_TIMEOUT_SECONDS = 10.0
#: Every answer's time budget when the run names none (``response_time_budget_ms``).
DEFAULT_RESPONSE_TIME_MS = 1000
PHASES = ("examples", "coverage", "fuzzing", "stateful")
#: Generated cases of the login operation: each one that fails is a failed login, which
#: account-lockout policies count (vCenter's single sign-on: 5 in 180 s), so few.
LOGIN_CASES = 10
LOGIN = "login"


def config_table(
    *,
    base_url: str,
    verify: bool | str,
    seed: int,
    profile: Profile,
    operations: Iterable[Operation],
    phases_run: Iterable[str] | None = None,
    read_only: bool = False,
    request_timeout: float = REQUEST_TIMEOUT_SECONDS,
    headers: Mapping[str, str] | None = None,
    proxy: str | None = None,
    response_time_ms: int = DEFAULT_RESPONSE_TIME_MS,
    response_time_overrides: Mapping[str, int] | None = None,
    mode: str = "all",
) -> dict[str, Any]:
    """The configuration table for fuzzing ``operations`` at ``base_url``.

    ``phases_run`` narrows the profile's phases (the harness runs stateful separately).
    ``read_only`` keeps the coverage phase from trying methods the contract does not
    document for a path (it tries DELETE, PUT, POST, PATCH and TRACE otherwise).
    ``response_time_ms`` is every answer's time budget, ``response_time_overrides`` an
    operation's own (by operationId): schemathesis' ``max_response_time`` check holds them.
    ``mode`` is what the engine generates (``--mode``): positive, negative or all.
    """
    overrides = response_time_overrides or {}
    enabled = set(profile.phases if phases_run is None else phases_run) & set(profile.phases)
    phases: dict[str, Any] = {name: {"enabled": name in enabled} for name in PHASES}
    # every operation is sent once as the contract documents it, whatever the seed: its
    # example, and for one that has none (a list without parameters) a generated request
    phases["examples"]["fill-missing"] = True
    if read_only:
        phases["coverage"]["unexpected-methods"] = []
    phases["stateful"].update(
        {
            "max-steps": profile.stateful_max_steps,
            "generation": {"max-examples": profile.stateful_examples},
        }
    )
    table: dict[str, Any] = {
        "seed": seed,
        "base-url": base_url,
        "tls-verify": verify,
        "workers": 1,
        "continue-on-failure": True,
        "checks": {"max_response_time": response_time_ms / 1000},
        "request-timeout": min(REQUEST_TIMEOUT_SECONDS, request_timeout),
        # no example database: a seed replays a run's cases, whatever ran before it here
        "generation": {"max-examples": profile.max_examples, "mode": mode, "database": "none"},
        "phases": phases,
        "operations": [
            _operation_table(op, profile, overrides.get(op.operation_id, response_time_ms))
            for op in operations
        ],
    }
    if headers:
        table["headers"] = dict(headers)
    if proxy:
        table["proxy"] = proxy
    return table


def _operation_table(op: Operation, profile: Profile, response_time_ms: float) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "include-operation-id": op.operation_id,
        "checks": {
            "positive_data_acceptance": {"expected-statuses": positive_statuses(op)},
            "max_response_time": response_time_ms / 1000,
        },
    }
    if op.method != "get" and op.definition.get("requestBody"):
        # a write may answer 404 for another id its body names (an unknown entity or
        # policy of a resource group): no sign that the item its path names, made by the
        # call before it in the stateful walk, is missing (scv_linked_resource_exists
        # keeps that check for reads)
        entry["checks"]["ensure_resource_availability"] = {"enabled": False}
    if op.operation_id == LOGIN:
        # failed logins are bounded: no boundary-value phase, few generated cases
        entry["generation"] = {"max-examples": min(LOGIN_CASES, profile.max_examples)}
        entry["phases"] = {"coverage": {"enabled": False}}
    return entry


def plain_run_table(operations: Iterable[Operation]) -> dict[str, Any]:
    """The ``schemathesis.toml`` shipped at the top of the repository for a plain ``st run``
    of the contract: what a schema-valid request may legitimately get per operation (a
    documented business rule's 400, a 404 or 409 that depends on the appliance's state),
    so ``positive_data_acceptance`` does not report those as failures, and the examples
    phase sends every operation's documented example. Nothing that depends on a target or
    a run (URL, TLS, seed, credentials, time budgets): those stay on the command line."""
    return {
        "phases": {"examples": {"fill-missing": True}},
        "operations": [
            {
                "include-operation-id": op.operation_id,
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": positive_statuses(op)}
                },
            }
            for op in operations
        ],
    }
