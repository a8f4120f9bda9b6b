"""What work going ahead in threads (fuzzing runs, workflows) needs of the pytest process.

Two things that are safe one thread at a time are not when threads overlap:

- ``ast.parse``: Hypothesis parses source as it generates (to describe lambdas, to find
  constants in loaded modules), and pytest does when it formats a traceback. CPython 3.11
  keeps the AST converter's recursion depth per interpreter, not per thread, so two parses
  at once can end in ``SystemError: AST constructor recursion depth mismatch``. Every
  ``ast.parse`` takes one lock.
- ``PYTEST_CURRENT_TEST``: pytest deletes it from ``os.environ`` after every test, while
  requests (schemathesis' transport, on every call) and httpx (for each new client) walk
  ``os.environ`` for proxies; a deletion during the walk is a ``KeyError`` in that thread.
  The variable is emptied instead of deleted.

Both are undone when the block ends.
"""

from __future__ import annotations

import ast
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from _pytest import runner

CURRENT_TEST = "PYTEST_CURRENT_TEST"
_LOCK = threading.RLock()
_PARSE = ast.parse


def _parse(*args: Any, **kwargs: Any) -> Any:
    with _LOCK:
        return _PARSE(*args, **kwargs)


_state = {"depth": 0}
_UPDATE = getattr(runner, "_update_current_test_var", None)


def _keep(item: Any, when: Any) -> None:
    if when is None:
        os.environ[CURRENT_TEST] = ""
    elif _UPDATE is not None:
        _UPDATE(item, when)


@contextmanager
def threads_ahead() -> Iterator[None]:
    """Within the block, ``ast.parse`` is one at a time and pytest empties its variable
    instead of deleting it. Blocks may nest (fuzzing and workflows in one process)."""
    with _LOCK:
        _state["depth"] += 1
        if _state["depth"] == 1:
            ast.parse = _parse
            if _UPDATE is not None:
                runner._update_current_test_var = _keep
    try:
        yield
    finally:
        with _LOCK:
            _state["depth"] -= 1
            if _state["depth"] == 0:
                ast.parse = _PARSE
                if _UPDATE is not None:
                    runner._update_current_test_var = _UPDATE
                if os.environ.get(CURRENT_TEST) == "":
                    del os.environ[CURRENT_TEST]
