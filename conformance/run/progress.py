"""Live progress of a run: operations and workflows done out of those collected.

On a terminal, a rich progress bar per suite (operations, workflows) with its counts, an
estimate of the time left and the operation or workflow running now, above the status
line. Without a terminal, the status line alone, at most every :data:`PLAIN_INTERVAL`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import IO, Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from conformance.core.item_keys import FUZZ, SCENARIO, STATEFUL, ItemKey, item_key

#: Without a terminal, print a progress line at most this often (seconds).
PLAIN_INTERVAL = 10.0


#: A test's outcome -> the count it adds to.
OUTCOME_COUNTS = {"passed": "passed", "failed": "failed", "error": "errors", "skipped": "skipped"}


class ProgressTracker:
    """Counts finished tests, operations and workflows from the plugin's events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items_by_key: dict[ItemKey, set[str]] = defaultdict(set)
        self.finished: set[str] = set()
        self.outcomes: dict[str, int] = defaultdict(int)
        self.collect_errors: list[str] = []
        self._pending: dict[str, str] = {}
        #: Per suite, the operation or workflow whose test started last.
        self.running: dict[str, str] = {}

    def handle(self, event: dict[str, Any]) -> None:
        """Take one event of :mod:`conformance.child.progress`."""
        with self._lock:
            kind = event.get("event")
            if kind == "collected":
                for nodeid in event.get("ids", []):
                    self.items_by_key[item_key(nodeid)].add(nodeid)
            elif kind == "collecterror":
                self.collect_errors.append(f"{event.get('nodeid')}: {event.get('message')}")
            elif kind == "start":
                key = item_key(str(event.get("nodeid")))
                self.running[key.suite] = key.name
            elif kind == "report":
                self._report(str(event.get("nodeid")), event.get("when"), event.get("outcome"))

    def _report(self, nodeid: str, when: object, outcome: object) -> None:
        # a test counts once, with its teardown: its first outcome other than passed,
        # else passed (so the outcome counts always add up to the finished tests)
        if outcome in ("failed", "error") or (outcome == "skipped" and when != "teardown"):
            self._pending.setdefault(nodeid, str(outcome))
        elif outcome == "passed" and when == "call":
            self._pending.setdefault(nodeid, "passed")
        if when == "teardown":
            final = self._pending.pop(nodeid, None)
            if final is not None and nodeid not in self.finished:
                self.outcomes[OUTCOME_COUNTS[final]] += 1
            self.finished.add(nodeid)
            key = item_key(nodeid)
            self.items_by_key[key].add(nodeid)

    def counts(self, suite: str) -> tuple[int, int]:
        """(done, total) of the operations or workflows of ``suite`` (the stateful walk is
        no operation: its tests count among the tests only)."""
        with self._lock:
            keys = [k for k in self.items_by_key if k.suite == suite and k.name != STATEFUL]
            done = sum(1 for k in keys if self.items_by_key[k] <= self.finished)
            return done, len(keys)

    def line(self, elapsed: float) -> Text:
        """One compact status line."""
        parts = []
        for suite, noun in ((FUZZ, "operations"), (SCENARIO, "workflows")):
            done, total = self.counts(suite)
            if total:
                parts.append(f"{noun} {done}/{total}")
        with self._lock:
            tests = len(self.finished)
            total_tests = sum(len(v) for v in self.items_by_key.values())
            outcomes = dict(self.outcomes)
        parts.append(f"tests {tests}/{total_tests}")
        text = Text(" · ".join(parts) + "  ")
        text.append(f"{outcomes.get('passed', 0)} passed", style="green")
        for name, style in (("failed", "red"), ("errors", "magenta"), ("skipped", "yellow")):
            if outcomes.get(name):
                text.append(f", {outcomes[name]} {name}", style=style)
        text.append(f"  {elapsed:.0f}s", style="dim")
        return text


#: The suites that get a bar, and what they count.
SUITE_NOUNS = ((FUZZ, "operations"), (SCENARIO, "workflows"))


class SuiteBars:
    """A rich progress bar per suite: done out of total, time left, what runs now."""

    def __init__(self, tracker: ProgressTracker) -> None:
        self.tracker = tracker
        self.progress = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("[dim]{task.fields[running]}"),
            auto_refresh=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def update(self) -> None:
        """Bring the bars to the tracker's counts."""
        for suite, noun in SUITE_NOUNS:
            done, total = self.tracker.counts(suite)
            if not total:
                continue
            running = self.tracker.running.get(suite, "") if done < total else ""
            if suite not in self._tasks:
                self._tasks[suite] = self.progress.add_task(noun, total=total, running=running)
            self.progress.update(self._tasks[suite], completed=done, total=total, running=running)

    def renderable(self) -> RenderableType:
        return self.progress.make_tasks_table(self.progress.tasks)


class ProgressDisplay:
    """Reads events from a pipe in a thread and shows them on ``console``."""

    def __init__(self, console: Console, tracker: ProgressTracker | None = None) -> None:
        self.console = console
        self.tracker = tracker or ProgressTracker()
        self._started = time.monotonic()
        self._threads: list[threading.Thread] = []
        self._live: Live | None = None
        self._last_plain = time.monotonic()
        self._plain_lock = threading.Lock()
        self._bars = SuiteBars(self.tracker)

    def start(self, *streams: IO[str]) -> None:
        """Follow the event streams of one or more pytest processes."""
        self._started = time.monotonic()
        if self.console.is_terminal:
            self._live = Live(
                self._render_terminal(),
                console=self.console,
                transient=False,
                refresh_per_second=4,
                get_renderable=self._render_terminal,
            )
            self._live.start()
        for stream in streams:
            thread = threading.Thread(
                target=self._pump, args=(stream,), daemon=True, name="scv-progress"
            )
            thread.start()
            self._threads.append(thread)

    def _render(self) -> Text:
        return self.tracker.line(time.monotonic() - self._started)

    def _render_terminal(self) -> RenderableType:
        """The bars per suite above the status line."""
        self._bars.update()
        return Group(self._bars.renderable(), self._render())

    def _pump(self, stream: Iterable[str]) -> None:
        for raw in stream:
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            if isinstance(event, dict):
                self.tracker.handle(event)
            if self._live is None:
                self._print_plain()

    def _print_plain(self) -> None:
        with self._plain_lock:
            if time.monotonic() - self._last_plain < PLAIN_INTERVAL:
                return
            self._last_plain = time.monotonic()
        self.console.print(self._render())

    def stop(self) -> None:
        """Wait for the pipes to close and leave the last line on screen."""
        for thread in self._threads:
            thread.join(timeout=10)
        if self._live is not None:
            self._live.update(self._render_terminal())
            self._live.stop()
        else:
            self.console.print(self._render())
