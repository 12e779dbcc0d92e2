"""The tokenizer: bytes or text to ISA headers and segments, with the separators the ISA declares.

Line breaks that are not the segment terminator are not data: files wrapped at a fixed width
by the sending system read the same as unwrapped ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipshape.adapters.channels.x12.errors import X12SyntaxError
from shipshape.adapters.channels.x12.model import Segment, Separators

BREAKS = "\r\n"
PADDING = " \t\r\n\x00\x1a"
ISA_ELEMENTS = 16
REPETITION_FROM_VERSION = "00402"
EBCDIC_ISA = b"\xc9\xe2\xc1"
EBCDIC_PADDING = b"\x40\x25\x15\x0d\x05 \r\n\t"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\ufffd]")


@dataclass(frozen=True, slots=True)
class IsaHeader:
    isa: Segment
    separators: Separators
    length: int
    end: int
    """Offset just after the ISA's segment terminator."""


def decode(data: bytes | str) -> str:
    """Text from bytes: UTF-8 (BOM allowed), UTF-16 with a BOM, otherwise Latin-1."""
    return decode_with_encoding(data)[0]


def decode_with_encoding(data: bytes | str) -> tuple[str, str]:
    """The text and the encoding that gives back the bytes of any part of it (no BOM)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), "utf-8"
    if data.lstrip(EBCDIC_PADDING).startswith(EBCDIC_ISA):
        raise X12SyntaxError("024", "the data is EBCDIC-encoded; convert it to ASCII", "ebcdic")
    if data.startswith(UTF16_BOMS):
        encoding = "utf-16-le" if data.startswith(UTF16_BOMS[0]) else "utf-16-be"
        try:
            return data.decode("utf-16").removeprefix("\ufeff"), encoding
        except UnicodeDecodeError as exc:
            raise X12SyntaxError("024", "the data is not valid UTF-16", "binary") from exc
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def first_isa(text: str) -> int:
    """Where the first interchange starts; refuses empty input and input that is not X12."""
    start = _skip_padding(text, 0)
    if start == len(text):
        raise X12SyntaxError("023", "the input is empty", "empty")
    if not text.startswith("ISA", start):
        raise _not_x12(text[start:start + 16])
    return start


def next_isa(text: str, pos: int) -> int | None:
    """Where the next interchange starts after an IEA, or None at the end of the input."""
    start = _skip_padding(text, pos)
    if start == len(text):
        return None
    if not text.startswith("ISA", start):
        raise X12SyntaxError("024", f"data after IEA is not an interchange: "
                             f"{text[start:start + 16]!r}", "not_x12")
    return start


def read_isa(text: str, start: int) -> IsaHeader:
    """The ISA at `start`: its 16 elements and the separators it declares."""
    header, pos = _isa_elements(text, start)
    element = header[3]
    component, pos = _next_data_char(text, pos)
    terminator, end = _terminator(text, pos)
    if component.isalnum() or component in (" ", element):
        raise X12SyntaxError("027", f"invalid component separator {component!r} (ISA16)",
                             "separators")
    if terminator.isalnum() or terminator in (" ", element, component):
        raise X12SyntaxError("004", f"invalid segment terminator {terminator!r}", "separators")
    isa = [*header.split(element)[:ISA_ELEMENTS], component]
    separators = Separators(element, component, terminator, _repetition(isa, element,
                                                                       component, terminator))
    _refuse_controls(header, separators)
    return IsaHeader(isa, separators, len(header) + 2, end)


def read_segments(text: str, pos: int, separators: Separators) -> tuple[list[Segment], int]:
    """The segments after an ISA up to and including its IEA, and the offset after the IEA."""
    not_data = str.maketrans("", "", BREAKS.replace(separators.segment, ""))
    terminator, size = separators.segment, len(text)
    segments: list[Segment] = []
    while pos < size:
        found = text.find(terminator, pos)
        end = size if found < 0 else found
        raw = text[pos:end].translate(not_data).lstrip(" \t")
        pos = min(end + 1, size)
        if not raw:
            continue
        _refuse_controls(raw, separators)
        segment = split_segment(raw, separators)
        if segment[0] == "ISA":
            raise X12SyntaxError("023", "an ISA starts before the previous interchange's IEA",
                                 "truncated")
        segments.append(segment)
        if segment[0] == "IEA":
            return segments, pos
    raise X12SyntaxError("023", "the interchange has no IEA: the file is truncated", "truncated")


def split_segment(raw: str, separators: Separators) -> Segment:
    """Elements of one segment; trailing empty components are dropped as X12 suppresses them."""
    return [value.rstrip(separators.component) for value in raw.split(separators.element)]


def _skip_padding(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in PADDING:
        pos += 1
    return pos


def _not_x12(found: str) -> X12SyntaxError:
    if CONTROL_CHARS.search(found):
        return X12SyntaxError("024", "the data is binary, not X12 text", "binary")
    return X12SyntaxError("024", f"not X12: expected 'ISA' at the start, found {found!r}",
                          "not_x12")


def _isa_elements(text: str, start: int) -> tuple[str, int]:
    """ISA through the separator before ISA16, skipping line breaks, and the offset after it."""
    chars: list[str] = []
    separator, count, pos = "", 0, start
    while pos < len(text) and count < ISA_ELEMENTS:
        char = text[pos]
        pos += 1
        if char in BREAKS:
            continue
        chars.append(char)
        if len(chars) == 4:
            separator = _element_separator(char)
        if char == separator:
            count += 1
    if count < ISA_ELEMENTS:
        raise X12SyntaxError("023", "the ISA segment is cut short", "truncated")
    return "".join(chars), pos


def _element_separator(char: str) -> str:
    if char.isalnum() or char in (" ", "\t"):
        raise X12SyntaxError("026", f"invalid element separator {char!r} (ISA position 4)",
                             "separators")
    return char


def _next_data_char(text: str, pos: int) -> tuple[str, int]:
    while pos < len(text) and text[pos] in BREAKS:
        pos += 1
    if pos >= len(text):
        raise X12SyntaxError("023", "the ISA segment is cut short", "truncated")
    return text[pos], pos + 1


def _terminator(text: str, pos: int) -> tuple[str, int]:
    """The character after ISA16, told apart from a line break added by wrapping."""
    if pos >= len(text):
        raise X12SyntaxError("023", "the ISA segment has no terminator", "truncated")
    char = text[pos]
    if char not in BREAKS:
        return char, pos + 1
    after = pos
    while after < len(text) and text[after] in BREAKS:
        after += 1
    if after < len(text) and not (text[after].isalnum() or text[after].isspace()):
        return text[after], after + 1
    if text.startswith("\r\n", pos):
        return "\n", pos + 2
    return char, pos + 1


def _repetition(isa: Segment, element: str, component: str, terminator: str) -> str | None:
    value = isa[11]
    if isa[12] < REPETITION_FROM_VERSION or len(value) != 1 or value.isalnum():
        return None
    return None if value in (" ", element, component, terminator) else value


def _refuse_controls(raw: str, separators: Separators) -> None:
    found = CONTROL_CHARS.search(raw.translate(str.maketrans("", "", separators.reserved + "\t")))
    if found:
        raise X12SyntaxError("024", f"binary data in the interchange ({found.group()!r})",
                             "binary")
