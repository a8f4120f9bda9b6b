"""Finding the Allure 3 command line: the repository's node_modules, then PATH."""

from __future__ import annotations

import shutil
from pathlib import Path

from conformance.core.paths import CHECKOUT

ROOT = CHECKOUT
ALLURE_VERSION = "3.18.0"
INSTALL_HINT = (
    f"the Allure 3 command line is not installed: run `npm install` in {ROOT} "
    f"or `npm install -g allure@{ALLURE_VERSION}`"
)


def find_allure(search: tuple[Path, ...] = (ROOT, Path.cwd())) -> list[str] | None:
    """The command that runs ``allure``, or None when it (or Node.js) is missing."""
    if shutil.which("node") is None:
        return None
    for folder in search:
        local = folder / "node_modules" / ".bin" / "allure"
        if local.is_file():
            return [str(local)]
    on_path = shutil.which("allure")
    return [on_path] if on_path else None
