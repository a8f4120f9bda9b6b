"""Every import of the package stands at the top of its module, where a reader and the
import contracts see it; the one exception is the command dispatch of ``cli.py``, which
imports the chosen command's module only (see its docstring)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import conformance

pytestmark = pytest.mark.unit

PACKAGE = Path(conformance.__file__).parent
#: Functions allowed to import: the command dispatch (module, function).
DISPATCH = {("cli.py", "_command"), ("cli.py", "_certify"), ("cli.py", "_check")}


def _imports_in_functions(path: Path, root: Path = PACKAGE) -> list[str]:
    found = []
    for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if (str(path.relative_to(root)), function.name) in DISPATCH:
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.append(f"{path.relative_to(root)}:{node.lineno} in {function.name}()")
    return found


def test_no_module_imports_inside_a_function_but_the_command_dispatch() -> None:
    found = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in _imports_in_functions(path)]
    assert found == []


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "cli.py"
    module.write_text("import os\n\ndef f():\n    import json\n    return json\n")
    assert _imports_in_functions(module, tmp_path) == ["cli.py:4 in f()"]
