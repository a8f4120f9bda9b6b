"""Where the project's files are: the checkout the package runs from, or installed copies.

Installed from a clone (``pip install -e .``) the contract and the scenarios are read from
the checkout; installed as a wheel they are read from the copies the wheel puts under
``<prefix>/share/scv-conformance/``. Both hold ``specs/`` and ``scenarios/`` side by side,
so the scenarios' relative references to the contract hold in either.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: The folder above the package: a clone of the repository when installed from one.
CHECKOUT = Path(__file__).resolve().parents[2]
#: Where a wheel installs the contract and the scenarios.
INSTALLED = Path(sys.prefix) / "share" / "scv-conformance"
CONTRACT_NAME = "scv.openapi.yaml"


def _project_root() -> Path:
    for root in (CHECKOUT, INSTALLED):
        if (root / "specs" / CONTRACT_NAME).is_file():
            return root
    return CHECKOUT  # loading the contract then says what is missing


def _cache_dir() -> Path:
    if os.access(CHECKOUT, os.W_OK) and (CHECKOUT / "pyproject.toml").is_file():
        return CHECKOUT / ".cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scv-conformance"


#: The folder that holds ``specs/`` and ``scenarios/``; suites' node ids are relative to it.
PROJECT_ROOT = _project_root()
CONTRACT_PATH = PROJECT_ROOT / "specs" / CONTRACT_NAME
SCENARIOS_DIR = PROJECT_ROOT / "scenarios"
#: Caches (bytecode of the suites' child processes, the fetched Arazzo schema).
CACHE_DIR = _cache_dir()
