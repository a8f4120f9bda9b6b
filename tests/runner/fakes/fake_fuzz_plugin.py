"""A stand-in for the fuzzing plugin: items from a YAML list of (operationId, check, outcome)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.child.context import get_manifest
from conformance.child.skips import skip_item
from conformance.core.manifest import PASSWORD_VARIABLE
from conformance.core.skips import Skip, SkipKind


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(".openapi.yaml"):
        return SpecFile.from_parent(parent, path=file_path)
    return None


class SpecFile(pytest.File):
    def collect(self) -> Iterator[pytest.Collector]:
        entries = yaml.safe_load(self.path.read_text())["items"]
        by_op: dict[str, list[dict[str, Any]]] = {}
        for entry in entries:
            by_op.setdefault(entry["operationId"], []).append(entry)
        for op, checks in by_op.items():
            yield Operation.from_parent(self, name=op, checks=checks)


class Operation(pytest.Collector):
    def __init__(self, *, checks: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checks = checks

    def collect(self) -> Iterator[pytest.Item]:
        for entry in self.checks:
            yield Check.from_parent(self, name=entry["check"], entry=entry)


class Check(pytest.Item):
    def __init__(self, *, entry: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entry = entry

    def runtest(self) -> None:
        op, check, outcome = self.entry["operationId"], self.entry["check"], self.entry["outcome"]
        self.user_properties += [("suite", "fuzz"), ("operationId", op), ("check", check)]
        if outcome == "killed":  # the process ends as the kernel ends it (out of memory)
            os.kill(os.getpid(), signal.SIGKILL)
        if outcome == "profile":
            assert get_manifest(self.config).profile == self.entry["expect"]
            return
        if outcome in ("failed", "broken"):
            self.user_properties.append(("reproduce", f"curl -k -X GET https://scv/api/{op}"))
        if outcome == "failed":
            raise AssertionError(f"{op}: status 500 is not documented for {check}")
        if outcome == "broken":
            secret = os.environ.get(PASSWORD_VARIABLE, "")
            raise ConnectionError(f"Connection refused while logging in with {secret}")
        if outcome == "skipped":
            skip_item(self, Skip(SkipKind.SAFETY, f"{op} is left alone on this target"))
        if outcome == "version":
            skip_item(self, Skip(SkipKind.VERSION, f"{op} is too new for this target"))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return f"{excinfo.typename}: {excinfo.value}"

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name
