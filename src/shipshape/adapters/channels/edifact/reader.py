"""EDIFACT interchange reader: decoding, UNA service characters, tokenizing, UNB/UNZ splitting.

pydifact tokenizes (service characters, release character); each interchange found is then checked
by `envelope`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace

from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.token import Token
from pydifact.tokenizer import Tokenizer

from shipshape.adapters.channels.edifact.envelope import read_interchange
from shipshape.adapters.channels.edifact.model import (
    DEFAULT_SERVICE_CHARACTERS,
    EdifactInterchange,
    EdifactSegment,
    fail,
)

_BLANKS = " \t\r\n"
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_EBCDIC_HEADERS = (b"\xe4\xd5\xc1", b"\xe4\xd5\xc2")
_CHARSETS = {"D": "iso8859_2", "E": "iso8859_5", "F": "iso8859_7", "G": "iso8859_3",
             "H": "iso8859_4", "I": "iso8859_6", "J": "iso8859_8", "K": "iso8859_9",
             "W": "utf-8", "Y": "utf-8"}


def parse_interchange(data: bytes | str, *, allow_missing_trailer: bool = False
                      ) -> EdifactInterchange:
    """Exactly one interchange; see `parse_interchanges`."""
    found = parse_interchanges(data, allow_missing_trailer=allow_missing_trailer)
    if len(found) != 1:
        fail("16", f"the data holds {len(found)} interchanges; read it with parse_interchanges",
             segment_tag="UNB")
    return found[0]


def parse_interchanges(data: bytes | str, *, allow_missing_trailer: bool = False
                       ) -> tuple[EdifactInterchange, ...]:
    """Every interchange in the data, envelope mismatches recorded as errors.

    Raises EdifactSyntaxError for data that is not readable EDIFACT: empty, binary, EBCDIC,
    truncated (no UNZ, unless `allow_missing_trailer`, which records code 13 instead).
    """
    return tuple(interchanges(data, allow_missing_trailer=allow_missing_trailer))


def interchanges(data: bytes | str, *, allow_missing_trailer: bool = False
                 ) -> Iterator[EdifactInterchange]:
    """`parse_interchanges` one at a time: each is tokenized only when the one before is taken.

    Each carries `source`, its own bytes from UNB through UNZ, after the UNA that governs it
    (repeated before every interchange that follows one UNA, so each copy reads alone).
    """
    text, encoding = _decode(data)
    for una, body in _chunks(text):
        characters = _characters(una[3:] or DEFAULT_SERVICE_CHARACTERS)
        for index, part in enumerate(_parts(body, characters)):
            segments = _segments(part, characters)
            own = part.rstrip(_BLANKS) if index == 0 else part.strip(_BLANKS)
            source = (una + own).encode(encoding)
            for found in _split(segments, allow_missing_trailer):
                yield replace(read_interchange(found, una[3:] or DEFAULT_SERVICE_CHARACTERS),
                              source=source)


def _decode(data: bytes | str) -> tuple[str, str]:
    text, encoding = _decode_bytes(data) if isinstance(data, bytes) else (data, "utf-8")
    text = text.lstrip("\ufeff" + _BLANKS)
    if not text:
        fail("13", "empty input: no EDIFACT interchange", segment_tag="UNB")
    _check_characters(text)
    if not text.startswith(("UNA", "UNB")):
        fail("13", f"not an EDIFACT interchange: it starts with {text[:12]!r}, not UNA or UNB",
             segment_tag="UNB")
    return text, encoding


def _decode_bytes(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF16_LE):
        return _decode_as(data, "utf-16"), "utf-16-le"
    if data.startswith(codecs.BOM_UTF16_BE):
        return _decode_as(data, "utf-16"), "utf-16-be"
    data = data.removeprefix(codecs.BOM_UTF8)
    if data.lstrip(b"\x40\x25\x15\x0d").startswith(_EBCDIC_HEADERS):
        fail("46", "the data is EBCDIC; send EDIFACT in ASCII, ISO 8859 or UTF-8")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        level = re.search(rb"UNO([A-Z])", data[:64])
        encoding = _CHARSETS.get(level.group(1).decode() if level else "", "latin-1")
        return _decode_as(data, encoding), encoding


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        fail("21", f"byte {exc.start} is not valid {encoding}: binary or mislabelled data")


def _check_characters(text: str) -> None:
    allowed = text[3:9] if text.startswith("UNA") else ""
    found = _CONTROLS.search(text.translate({ord(c): " " for c in allowed}))
    if found:
        fail("21", f"control character {ord(found.group()):#04x} at offset {found.start()}: "
                   "binary data?")


def _chunks(text: str) -> Iterator[tuple[str, str]]:
    """(the UNA or "", the text it governs) per UNA, so that an interchange may change them."""
    position = 0
    while position < len(text):
        una, start = _una(text, position)
        end = _next_una(text, start, _characters(una[3:] or DEFAULT_SERVICE_CHARACTERS))
        yield una, text[start:end]
        position = end


def _una(text: str, position: int) -> tuple[str, int]:
    if not text.startswith("UNA", position):
        return "", position
    advice = text[position + 3:position + 9]
    _check_advice(advice)
    return text[position:position + 9], position + 9


def _check_advice(advice: str) -> None:
    if len(advice) < 6:
        fail("13", "UNA service string advice is truncated", segment_tag="UNA")
    component, data, decimal, release, terminator = (advice[i] for i in (0, 1, 2, 3, 5))
    separators = [component, data, terminator] + ([release] if release != " " else [])
    if len(set(separators)) < len(separators) or any(c.isalnum() for c in separators):
        fail("20", f"UNA declares unusable service characters {advice!r}", segment_tag="UNA")
    if decimal not in ".,":
        fail("19", f"UNA declares decimal mark {decimal!r}", segment_tag="UNA")


def _characters(advice: str) -> Characters:
    characters = Characters.from_str(advice)
    if characters.escape_character == " ":
        characters.escape_character = "\x00"  # a space in UNA4 means no release character
    characters.line_terminators = list(_BLANKS)
    return characters


def _next_una(text: str, start: int, characters: Characters) -> int:
    pattern = re.compile(re.escape(characters.segment_terminator) + f"[{_BLANKS}]*(?=UNA)")
    for match in pattern.finditer(text, start):
        if not _escaped(text, match.start(), characters.escape_character):
            return match.end()
    return len(text)


def _parts(body: str, characters: Characters) -> Iterator[str]:
    """The text of each interchange: cut before every segment whose tag is UNB.

    Segments end at each segment terminator not preceded by the release character, as the
    tokenizer reads them; whatever comes before the first UNB stays with the first part.
    """
    if not body.strip(_BLANKS):
        yield body
        return
    terminator, release = characters.segment_terminator, characters.escape_character
    ends = re.compile(f"{re.escape(release)}.|{re.escape(terminator)}", re.DOTALL)
    header = tuple("UNB" + c for c in (characters.data_separator, terminator))
    start = 0
    for match in ends.finditer(body):
        if match.group() != terminator:
            continue
        segment = _skip_blanks(body, match.end())
        if segment > start and body.startswith(header, segment):
            yield body[start:segment]
            start = segment
    yield body[start:]


def _skip_blanks(text: str, position: int) -> int:
    while position < len(text) and text[position] in _BLANKS:
        position += 1
    return position


def _escaped(text: str, position: int, release: str) -> bool:
    count = 0
    while position - count > 0 and text[position - count - 1] == release:
        count += 1
    return count % 2 == 1


def _segments(body: str, characters: Characters) -> list[EdifactSegment]:
    terminator = characters.segment_terminator
    body = body.lstrip(_BLANKS).rstrip(_BLANKS.replace(terminator, ""))
    if not body:
        fail("13", "UNA is not followed by an interchange", segment_tag="UNB")
    if not body.endswith(terminator) or _escaped(body, len(body) - 1,
                                                 characters.escape_character):
        fail("13", f"truncated: the data ends inside a segment ({body[-20:]!r})")
    try:
        return _group(Tokenizer().get_tokens(body, characters))
    except EDISyntaxError as exc:
        fail("21", str(exc))


def _group(tokens: Iterable[Token]) -> list[EdifactSegment]:
    segments: list[EdifactSegment] = []
    elements: list[tuple[str, ...]] = []
    components = [""]
    for token in tokens:
        if token.type is Token.Type.CONTENT:
            components[-1] += token.value
        elif token.type is Token.Type.COMPONENT_SEPARATOR:
            components.append("")
        else:
            elements.append(tuple(components))
            components = [""]
            if token.type is Token.Type.TERMINATOR:
                segments.append(EdifactSegment(elements[0][0], tuple(elements[1:])))
                elements = []
    return segments


def _split(segments: list[EdifactSegment], allow_missing: bool
           ) -> Iterator[list[EdifactSegment]]:
    current: list[EdifactSegment] | None = None
    for segment in segments:
        if current is not None and segment.tag == "UNB":
            _missing_trailer(current, allow_missing)
            yield current
            current = None
        if current is None:
            if segment.tag != "UNB":
                fail("13", f"{segment.tag!r} where an interchange header UNB was expected",
                     segment_tag="UNB")
            current = []
        current.append(segment)
        if segment.tag == "UNZ":
            yield current
            current = None
    if current is not None:
        _missing_trailer(current, allow_missing)
        yield current


def _missing_trailer(segments: list[EdifactSegment], allow_missing: bool) -> None:
    if not allow_missing:
        fail("13", f"truncated interchange {segments[0].value(5)!r}: no UNZ trailer",
             segment_tag="UNZ")

