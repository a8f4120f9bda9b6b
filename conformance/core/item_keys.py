"""What a collected test is about, from its node id: an operation or a workflow."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from conformance.core.paths import PROJECT_ROOT

FUZZ = "fuzz"
SCENARIO = "scenario"
#: The fuzzing suite's walk along the contract's links: a fuzz key, but no operation.
STATEFUL = "stateful"
#: Allure labels the child writes and the parent reads: ``scv.<name>``, and the node id.
LABEL_PREFIX = "scv."
NODEID_LABEL = "scv.nodeid"
#: Properties with the epoch milliseconds a test's own work started and stopped, when the
#: item only reads a result computed earlier; the parent moves them into the result's
#: ``start``/``stop`` (:mod:`conformance.reporting.allure_polish`).
TIME_SPAN = ("start", "stop")


class ItemKey(NamedTuple):
    """The suite of a test and the operationId or workflowId it belongs to."""

    suite: str
    name: str


def item_key(nodeid: str) -> ItemKey:
    """``specs/x.yaml::getJob::check`` -> (fuzz, getJob); ``w.arazzo.yaml::wf`` -> (scenario, wf).

    Parameters in brackets are dropped. A node id of neither shape is its own key.
    """
    path, _, rest = nodeid.partition("::")
    parts = [_strip_params(p) for p in rest.split("::") if p] if rest else []
    if path.endswith((".arazzo.yaml", ".arazzo.yml", ".arazzo.json")):
        return ItemKey(SCENARIO, parts[0] if parts else path)
    if path.endswith((".yaml", ".yml", ".json")):
        return ItemKey(FUZZ, parts[0] if parts else path)
    return ItemKey("other", _strip_params(nodeid))


def _strip_params(part: str) -> str:
    head, bracket, _ = part.partition("[")
    return head if bracket and head else part


def file_nodeid(path: Path) -> str:
    """The node id of a suite's file: its path from the project root (``specs/...``), the
    same whatever pytest's rootdir (the pytest plugin runs from the user's own folder)."""
    try:
        return Path(path).resolve().relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()
