"""Content-Encoding undone layer by layer, each layer's output capped as it is decoded.

An answer's size cap means little if it is checked after decoding: ``Content-Encoding:
gzip, gzip`` packs a gibibyte into a few kilobytes, and a decoder asked to decode a chunk
in one go hands back the whole gibibyte at once. Here every layer decodes at most
:data:`STEP` bytes at a time (zlib's ``max_length``) and passes them on to the next, and
each layer's output is counted against the cap: memory holds a step per layer, never a
layer's whole output.

The codings are those httpx decodes without extra packages (``gzip``, ``deflate``);
``identity`` and codings it does not know are passed on as they are, as httpx does.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from conformance.http.bounds import AnswerTooLarge

#: Bytes a layer decodes at a time.
STEP = 64 * 1024


class Undecodable(ValueError):
    """The body is not in the encoding its Content-Encoding names."""


def encodings(header: str | None) -> list[str]:
    """The codings of a Content-Encoding header in the order they were applied."""
    return [v.strip().lower() for v in (header or "").split(",") if v.strip()]


def decoded(
    chunks: Iterable[bytes], applied: list[str], *, limit: int, what: str
) -> Iterator[bytes]:
    """The decoded bytes of ``chunks``, encoded with ``applied`` (first applied first).

    AnswerTooLarge as soon as any layer's output passes ``limit`` bytes; Undecodable when
    a layer is not what it says.
    """
    stream: Iterator[bytes] = iter(chunks)
    # the last applied is undone first; identity and codings httpx does not know are no layer
    layers = [c for c in reversed(applied) if c in _DECODERS]
    for number, coding in enumerate(layers, 1):
        name = coding if len(layers) == 1 else f"{coding}, layer {number} of {len(layers)}"
        stream = _Layer(_DECODERS[coding], name, limit, what).run(stream)
    return stream


class _Layer:
    """One coding undone, its output counted."""

    def __init__(self, make: type[_Zlib], name: str, limit: int, what: str) -> None:
        self._decoder = make()
        self._name = name
        self._limit = limit
        self._what = what
        self._size = 0

    def run(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            for piece in self._decoder.decode(chunk):
                yield self._counted(piece)
        for piece in self._decoder.flush():
            yield self._counted(piece)

    def _counted(self, piece: bytes) -> bytes:
        self._size += len(piece)
        if self._size > self._limit:
            raise AnswerTooLarge(
                f"{self._what} is larger than {self._limit // (1024 * 1024)} MiB once decoded "
                f"({self._name}); stopped decoding"
            )
        return piece


class _Zlib:
    """zlib's decompressor, asked for at most :data:`STEP` bytes at a time."""

    WBITS = zlib.MAX_WBITS | 16

    def __init__(self) -> None:
        self._zlib = zlib.decompressobj(self.WBITS)

    def decode(self, data: bytes) -> Iterator[bytes]:
        while not self._zlib.eof:
            try:
                piece = self._zlib.decompress(data, STEP)
            except zlib.error as exc:
                raise Undecodable(f"not {self._coding()}: {exc}") from None
            data = self._zlib.unconsumed_tail
            if piece:
                yield piece
            elif not data:
                return

    def flush(self) -> Iterator[bytes]:
        """What is still held (a body cut short ends here, as httpx ends it)."""
        yield from self.decode(b"")

    def _coding(self) -> str:
        return "gzip"


class _Gzip(_Zlib):
    pass


class _Deflate(_Zlib):
    """``deflate`` as servers send it: zlib-wrapped, or raw (as httpx reads it too)."""

    WBITS = zlib.MAX_WBITS

    def __init__(self) -> None:
        super().__init__()
        self._first = True

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._first and data:
            self._first = False
            if data[0] & 0x0F != 8:  # no zlib header: raw deflate
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        yield from super().decode(data)

    def _coding(self) -> str:
        return "deflate"


_DECODERS: dict[str, type[_Zlib]] = {
    "gzip": _Gzip,
    "x-gzip": _Gzip,
    "deflate": _Deflate,
}
