"""The console's choke point for secrets: everything a run prints is redacted first.

A :class:`ConsoleRedaction` is a rich render hook: every ``print`` (run lines, progress,
failures, replay commands, tables, rules) passes through it before it is laid out, so a
secret is replaced whole before a line wrap can split it. Text keeps its style unless a
secret is found in it; tables are redacted cell by cell; other renderables (rules) are
rendered and redacted line by line. The run adds the secrets it learns (issued tokens,
session ids) as it goes.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, ConsoleRenderable, RenderHook
from rich.control import Control
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from conformance.http.redactor import Redactor


class ConsoleSecrets:
    """The secrets kept off the consoles of a run, in every form they may be written in."""

    def __init__(
        self, secrets: Iterable[str] = (), issued: Callable[[], Iterable[str]] | None = None
    ) -> None:
        """``issued``: read before each print, the secrets issued to the test processes
        so far (tokens, session ids)."""
        self._redactor = Redactor(secrets)
        self._issued = issued

    def hide(self, secrets: Iterable[str]) -> None:
        """Add ``secrets`` to those kept off the console."""
        self._redactor.add(secrets)

    def current(self) -> Redactor:
        """The matcher to redact with (the issued secrets read anew)."""
        if self._issued is not None:
            self.hide(self._issued())
        return self._redactor

    def redact(self, text: str, redactor: Redactor | None = None) -> str:
        """``text`` with every known secret replaced."""
        return (redactor or self.current()).redact(text)


class ConsoleRedaction(RenderHook):
    """The render hook of one console: what it prints, with ``secrets`` replaced."""

    def __init__(self, console: Console, secrets: ConsoleSecrets) -> None:
        self.console = console
        self.secrets = secrets

    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        if all(isinstance(renderable, Control) for renderable in renderables):
            return renderables  # a live display moving the cursor
        redactor = self.secrets.current()
        if not redactor:
            return renderables
        return [self._redacted(renderable, redactor) for renderable in renderables]

    def _redacted(self, renderable: Any, redactor: Redactor) -> Any:
        if isinstance(renderable, Control):
            return renderable
        if isinstance(renderable, str):
            return self.secrets.redact(renderable, redactor)
        if isinstance(renderable, Table):
            # cell by cell: a cell wraps its text, which would split a secret
            table = copy.copy(renderable)
            table.title = self._redacted(table.title, redactor)
            table.caption = self._redacted(table.caption, redactor)
            table.columns = [
                dataclasses.replace(
                    column,
                    header=self._redacted(column.header, redactor),
                    _cells=[self._redacted(cell, redactor) for cell in column.cells],
                )
                for column in table.columns
            ]
            return table
        if isinstance(renderable, Text):
            plain = renderable.plain
            redacted = self.secrets.redact(plain, redactor)
            if redacted == plain:
                return renderable
            return Text(redacted, style=renderable.style, end=renderable.end)
        if renderable is None:
            return None
        lines = self.console.render_lines(renderable, self.console.options, pad=False)
        segments: list[Segment] = []
        for line in lines:
            text = "".join(segment.text for segment in line)
            redacted = self.secrets.redact(text, redactor)
            segments.extend(line if redacted == text else [Segment(redacted)])
            segments.append(Segment.line())
        return Segments(segments)


@contextmanager
def redacted_consoles(consoles: Iterable[Console], secrets: ConsoleSecrets) -> Iterator[None]:
    """Redact what each of ``consoles`` prints while the block runs."""
    hooked: list[Console] = []
    for console in consoles:
        if all(console is not other for other in hooked):
            console.push_render_hook(ConsoleRedaction(console, secrets))
            hooked.append(console)
    try:
        yield
    finally:
        for console in hooked:
            console.pop_render_hook()
