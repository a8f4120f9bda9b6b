"""An answer refused for its size or its slowness is not kept alive by the error.

The error travels on (schemathesis keeps it for the operation's report, pytest for the
test's); its traceback holds the frame that read the answer. With 8 MiB read per refused
answer and hundreds of operations answering so, a run took 1.4 GB before the reader
dropped what it had read.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterator

import pytest

from conformance.http.bounds import AnswerTooLarge, AnswerTooSlow, read_bounded

pytestmark = pytest.mark.unit

CHUNK = 64 * 1024


def _chunks(count: int) -> Iterator[bytes]:
    for _ in range(count):
        yield b"x" * CHUNK


def _bytes_held(error: BaseException) -> int:
    """Bytes reachable from the locals of every frame of the error's traceback."""
    held = 0
    for frame, _ in traceback.walk_tb(error.__traceback__):
        for value in frame.f_locals.values():
            if isinstance(value, bytes):
                held += len(value)
            elif isinstance(value, list):
                held += sum(len(v) for v in value if isinstance(v, bytes))
    return held


def test_a_too_large_answer_leaves_nothing_in_its_error() -> None:
    with pytest.raises(AnswerTooLarge) as info:
        read_bounded(_chunks(200), started=time.monotonic(), limit=100 * CHUNK)
    assert _bytes_held(info.value) <= CHUNK  # at most the chunk that went over


def test_a_too_slow_answer_leaves_nothing_in_its_error() -> None:
    ticks = iter(range(1000))
    with pytest.raises(AnswerTooSlow) as info:
        read_bounded(
            _chunks(200), started=0, deadline=50, limit=1000 * CHUNK, clock=lambda: next(ticks)
        )
    assert _bytes_held(info.value) <= CHUNK
