"""OpenAPI Overlay 1.0: reading overlay documents and applying their actions to a description.

An overlay is a list of actions, each a JSONPath (RFC 9535) ``target`` into the description
and either ``update`` (merged into every selected object, appended to every selected array)
or ``remove: true`` (every selected node is taken out of its parent). Actions apply in
order; one whose target selects nothing changes nothing and is reported as unmatched.

One overlay may adapt the contract and the scenario documents (Arazzo 1.0) at once: an
action whose target starts at a root key only an Arazzo document has (``workflows``,
``sourceDescriptions``, ``arazzo``) adapts the scenario documents, every other one the
contract. Each document takes the actions meant for its kind, and any Overlay tool applied
to one document gets the same result (an action that selects nothing changes nothing).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonpath import JSONPathEnvironment
from jsonpath.exceptions import JSONPathError

from conformance.contract.pointers import lookup
from conformance.core.errors import UsageError
from conformance.core.inputs import read_input

OVERLAY_VERSION = "1.0.0"
_SUPPORTED = re.compile(r"^1\.0\.\d+$")
_JSONPATH = JSONPathEnvironment(strict=True)
_ARAZZO_ROOT = re.compile(
    r"^\$(?:\.(?:workflows|sourceDescriptions|arazzo)\b"
    r"|\[\s*['\"](?:workflows|sourceDescriptions|arazzo)['\"]\s*\])"
)


@dataclass(frozen=True)
class Overlay:
    """One overlay document, as read from ``source``."""

    source: str
    document: dict[str, Any]
    raw: bytes = field(default=b"", repr=False)

    @property
    def actions(self) -> list[dict[str, Any]]:
        return list(self.document["actions"])

    @property
    def title(self) -> str:
        return str(self.document["info"]["title"])


@dataclass(frozen=True)
class Applied:
    """The description after the overlays, and the targets that selected nothing."""

    document: dict[str, Any]
    unmatched: tuple[str, ...]


def read_overlay(path: Path | str) -> Overlay:
    """Read and check the overlay at ``path`` (YAML or JSON); UsageError when unusable."""
    raw = read_input(path, "--overlay")
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" (line {line + 1})" if line is not None else ""
        raise UsageError(f"--overlay: {path} is neither YAML nor JSON{where}") from None
    return parse_overlay(document, str(path), raw)


def parse_overlay(document: Any, source: str = "overlay", raw: bytes = b"") -> Overlay:
    """Check an overlay already parsed from ``source``; UsageError names the first problem."""

    def bad(reason: str) -> UsageError:
        return UsageError(f"--overlay: {source}: {reason}")

    if not isinstance(document, dict):
        raise bad("not an Overlay document (expected a mapping with overlay, info, actions)")
    version = document.get("overlay")
    if not isinstance(version, str) or not _SUPPORTED.match(version):
        raise bad(f"overlay: {version!r} is not an Overlay 1.0 version (e.g. 1.0.0)")
    info = document.get("info")
    if not isinstance(info, dict) or not all(
        isinstance(info.get(key), str) for key in ("title", "version")
    ):
        raise bad("info needs a title and a version, both strings")
    actions = document.get("actions")
    if not isinstance(actions, list) or not actions:
        raise bad("actions must be a non-empty list")
    for number, action in enumerate(actions, start=1):
        if not isinstance(action, dict):
            raise bad(f"action {number} is not a mapping")
        target = action.get("target")
        if not isinstance(target, str) or not target.startswith("$"):
            raise bad(f"action {number}: target must be a JSONPath starting with $")
        try:
            _JSONPATH.compile(target)
        except JSONPathError as exc:
            first = str(exc).splitlines()[0]
            raise bad(f"action {number}: target {target!r} is not JSONPath: {first}") from None
        if action.get("remove") is not True and "update" not in action:
            raise bad(f"action {number}: needs update or remove: true")
    if not raw:
        raw = json.dumps(document, sort_keys=True).encode()
    return Overlay(source, document, raw)


def adapts_workflows(action: Mapping[str, Any]) -> bool:
    """Whether an action is meant for the scenario documents (else for the contract)."""
    return _ARAZZO_ROOT.match(str(action["target"])) is not None


def apply_overlays(
    document: Mapping[str, Any], overlays: Iterable[Overlay], *, workflows: bool = False
) -> Applied:
    """A copy of ``document`` with the actions of ``overlays`` meant for its kind (the
    contract's, or with ``workflows`` a scenario document's) applied in order."""
    result = copy.deepcopy(dict(document))
    unmatched: list[str] = []
    for overlay in overlays:
        for number, action in enumerate(overlay.actions, start=1):
            if adapts_workflows(action) != workflows:
                continue
            if not apply_action(result, action, f"{overlay.source}: action {number}"):
                unmatched.append(f"{overlay.source}: {action['target']}")
    return Applied(result, tuple(unmatched))


def apply_action(document: dict[str, Any], action: Mapping[str, Any], label: str) -> bool:
    """Apply one action to ``document`` in place; False when its target selects nothing."""
    matches = list(_JSONPATH.finditer(action["target"], document))
    if not matches:
        return False
    if action.get("remove") is True:
        # the last index first, so that earlier indexes of the same array stay valid
        locations = sorted(
            (m.parts for m in matches if m.parts),
            key=lambda parts: [(0, p, "") if isinstance(p, int) else (1, 0, p) for p in parts],
            reverse=True,
        )
        for parts in locations:
            parent = lookup(document, parts[:-1])
            key = parts[-1]
            if isinstance(parent, list) and isinstance(key, int):
                del parent[key]
            elif isinstance(parent, dict):
                parent.pop(key, None)
        return True
    update = action["update"]
    for match in matches:
        node = match.obj
        if isinstance(node, dict):
            if not isinstance(update, dict):
                raise UsageError(f"--overlay: {label}: update of an object must be a mapping")
            deep_merge(node, update)
        elif isinstance(node, list):
            node.append(copy.deepcopy(update))
        else:
            raise UsageError(
                f"--overlay: {label}: target {action['target']!r} selects a value, "
                "not an object or array"
            )
    return True


def deep_merge(target: dict[str, Any], update: Mapping[str, Any]) -> None:
    """Merge ``update`` into ``target``: objects recursively, everything else replaced."""
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def normalized_path(parts: Sequence[str | int]) -> str:
    """The RFC 9535 normalized path of a location, e.g. ``$['paths']['/4.1/jobs']``."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            text += f"['{escaped}']"
    return text
