"""Judging a client of SCV: what an integration sends, against the contract and workflows.

The other direction of the harness: not "does this appliance behave as documented?" but
"does this client use the API as documented?". :class:`ClientJudge` judges each request
before its answer is known (a Spring appliance quietly ignores what it does not know, so an
answer proves nothing about a request), keeps what the appliance answered so that the ids
a client sends can be traced to an answer it got, and judges the answers as ``check``
does. ``scv-conformance proxy`` judges live traffic with it, ``check --client`` a recorded
HAR.
"""

from conformance.client.exchange import ClientAnswer, ClientRequest
from conformance.client.judge import ClientJudge, RequestVerdict
from conformance.client.rules import RULES, Finding

__all__ = [
    "RULES",
    "ClientAnswer",
    "ClientJudge",
    "ClientRequest",
    "Finding",
    "RequestVerdict",
]
