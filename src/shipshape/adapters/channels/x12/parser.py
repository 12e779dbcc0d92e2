"""parse(): a file of one or more interchanges to checked Interchange objects."""

from __future__ import annotations

from collections.abc import Iterator

from shipshape.adapters.channels.x12.envelope import assemble, new_interchange
from shipshape.adapters.channels.x12.errors import X12SyntaxError
from shipshape.adapters.channels.x12.model import Interchange
from shipshape.adapters.channels.x12.reader import (
    decode_with_encoding,
    first_isa,
    next_isa,
    read_isa,
    read_segments,
)


def parse(data: bytes | str) -> list[Interchange]:
    """Every interchange in the data, envelope errors filled in; unreadable input raises.

    Raises X12SyntaxError for empty, EBCDIC, binary or truncated input, and for separators
    that cannot work; `header` on the error holds the interchange header when it was read.
    """
    return list(interchanges(data))


def interchanges(data: bytes | str) -> Iterator[Interchange]:
    """`parse` one interchange at a time: each is read only when the one before is taken.

    Each carries `source`, its own bytes from "ISA" through the IEA's segment terminator.
    """
    text, encoding = decode_with_encoding(data)
    start: int | None = first_isa(text)
    while start is not None:
        head = read_isa(text, start)
        interchange = new_interchange(head.isa, head.separators, head.length)
        try:
            segments, end = read_segments(text, head.end, head.separators)
        except X12SyntaxError as exc:
            exc.header = interchange
            raise
        interchange.source = text[start:end].encode(encoding)
        yield assemble(interchange, segments)
        start = next_isa(text, end)
