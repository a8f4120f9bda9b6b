"""A stand-in for the scenarios plugin: one item per workflow listed in *.arazzo.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(".arazzo.yaml"):
        return ArazzoFile.from_parent(parent, path=file_path)
    return None


class ArazzoFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        # --only is applied by the harness's selection plugin, as for the real suite
        for entry in yaml.safe_load(self.path.read_text())["workflows"]:
            yield Workflow.from_parent(self, name=entry["workflowId"], entry=entry)


class Workflow(pytest.Item):
    def __init__(self, *, entry: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entry = entry

    def runtest(self) -> None:
        wf, outcome = self.entry["workflowId"], self.entry["outcome"]
        self.user_properties += [("suite", "scenario"), ("workflowId", wf)]
        if outcome == "failed":
            step = self.entry["step"]
            self.user_properties += [
                ("stepId", step),
                ("check", "successCriteria"),
                ("reproduce", f"curl -k https://scv/api/{step}"),
            ]
            raise AssertionError(f"step {step}: $statusCode == 200 did not hold (got 409)")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return f"{excinfo.typename}: {excinfo.value}"

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name
