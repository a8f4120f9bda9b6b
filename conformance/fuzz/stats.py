"""How much the suite did: cases and engine time per operation, for reports and benchmarks."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conformance.fuzz.suite import FuzzSuite

STATS_FILE = "fuzz-stats.json"


def write(directory: Path, suite: FuzzSuite) -> Path:
    """Write ``fuzz-stats.json`` (per-process file name under xdist) into ``directory``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = STATS_FILE if worker is None else f"fuzz-stats.{worker}.json"
    results = suite.results()
    document = {
        "profile": suite.profile.name,
        "seed": suite.seed,
        "cases": sum(r.cases for r in results.values()),
        "engine_seconds": round(sum(r.elapsed for r in results.values()), 3),
        "runs": {k: {"cases": r.cases, "seconds": round(r.elapsed, 3)} for k, r in results.items()},
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path
