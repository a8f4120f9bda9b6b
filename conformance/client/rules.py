"""The rules a client's request is judged by, and what a broken one is reported as.

Each rule names where it comes from. A rule the vendor documented, or that a public client
proved, is a **failure** when broken; one that rests on our assumption only is a
**deviation** (a failure under ``--strict``). The request-schema rule is graded field by
field, as fuzzing grades it: a request the contract without its assumptions still refuses
breaks documented constraints.
"""

from __future__ import annotations

from dataclasses import dataclass

OPERATION_EXISTS = "client_operation_exists"
REQUEST_SCHEMA = "client_request_schema"
MISSPELLED_FIELD = "client_misspelled_field"
TOKEN_REQUIRED = "client_token_required"
URL_CHARACTERS = "client_url_characters"
BUSINESS_RULES = "client_business_rules"
VALUE_PROVENANCE = "client_value_provenance"
JOB_FOLLOWED = "client_job_followed"
TOKEN_REUSED = "client_token_reused"


@dataclass(frozen=True)
class Rule:
    """One rule: its name, how sure we are of it, and where that comes from."""

    name: str
    summary: str
    evidence: str
    source: str


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule(
            OPERATION_EXISTS,
            "the path and method are an operation of the contract",
            "doc",
            "the vendor's REST API pages name every operation; methods per the contract",
        ),
        Rule(
            REQUEST_SCHEMA,
            "parameters and body match the operation's request schema",
            "doc",
            "graded per constraint by its x-evidence (specs/README.md)",
        ),
        Rule(
            MISSPELLED_FIELD,
            "no field is a misspelling of a documented one (the appliance would ignore it)",
            "doc",
            "the documented field names; Jackson matches names case-sensitively",
        ),
        Rule(
            TOKEN_REQUIRED,
            "every call but login sends the login's token in the Token header",
            "doc",
            "scpivs44_rest_apis_overview.adoc: the token is mandatory on every call",
        ),
        Rule(
            URL_CHARACTERS,
            "no + . % & in a path segment below the version",
            "doc",
            "scpivs44_access_rest_apis_using_the_swagger_api_web_page.adoc",
        ),
        Rule(
            BUSINESS_RULES,
            "the documented rules on a valid request (restartVM false for a partial backup)",
            "doc",
            "x-scv-business-rules of the operation",
        ),
        Rule(
            VALUE_PROVENANCE,
            "ids and values the client sends come from answers it got earlier",
            "doc",
            "the documented workflows: each step notes a value of an earlier answer",
        ),
        Rule(
            JOB_FOLLOWED,
            "a job the client started is followed to its end before it acts on its subject",
            "assumption",
            "the workflows wait for a job's end; no page says a client must",
        ),
        Rule(
            TOKEN_REUSED,
            "the login's token is reused, not a login before every call",
            "assumption",
            "the token lives 120 minutes (doc); logging in for each call is ours to judge",
        ),
    )
}
#: Rules in report order.
RULE_ORDER = tuple(RULES)


@dataclass(frozen=True)
class Finding:
    """A rule one request (or the session) broke."""

    rule: str
    operation_id: str
    message: str
    #: doc, client or assumption: what the broken constraint rests on.
    evidence: str
    #: The request it was found on (its position in the session).
    index: int
    method: str
    url: str

    @property
    def deviation(self) -> bool:
        """True when only an assumption of ours was broken."""
        return self.evidence == "assumption"

    def as_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "operationId": self.operation_id,
            "message": self.message,
            "evidence": self.evidence,
            "verdict": "deviation" if self.deviation else "failure",
            "request": self.index,
            "method": self.method,
            "url": self.url,
        }
