"""EDIFACT inbound: interchange reader (UNA/UNB/UNG/UNH) and ORDERS to canonical order.

pydifact tokenizes (service characters, release character); envelope checks and the ORDERS mapping
are ours. Syntax errors carry UN/EDIFACT code list 0085 codes so that a CONTRL can report them.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.token import Token
from pydifact.tokenizer import Tokenizer

from shipshape.adapters.channels.edifact_acks import build_aperak, build_contrl
from shipshape.domain.errors import InvalidInput
from shipshape.domain.orders import Channel, OrderDraft, OrderLine, ShipTo
from shipshape.domain.partners import TradingPartner

__all__ = [
    "SYNTAX_ERRORS", "EdifactError", "EdifactGroup", "EdifactInterchange", "EdifactMessage",
    "EdifactSegment", "EdifactSyntaxError", "build_aperak", "build_contrl", "delivery_party_id",
    "is_orders", "order_from_orders", "parse_interchange", "parse_interchanges",
    "unsupported_message_error",
]

SYNTAX_ERRORS = {
    "2": "Syntax version or level not supported",
    "12": "Invalid value",
    "13": "Missing",
    "16": "Too many constituents",
    "17": "No agreement",
    "19": "Invalid decimal notation",
    "20": "Character invalid as service character",
    "21": "Invalid character(s)",
    "26": "Duplicate detected",
    "28": "References do not match",
    "29": "Control count does not match number of instances received",
    "30": "Functional groups and messages mixed",
    "32": "Lower level empty",
    "33": "Invalid occurrence outside message, package or group",
    "46": "Character set not supported",
}
"""The 0085 syntax error codes this adapter reports."""

ORDERS = "ORDERS"
DEFAULT_SERVICE_CHARACTERS = ":+.? '"
_BLANKS = " \t\r\n"
_TAG = re.compile(r"[A-Z][A-Z0-9]{2}")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NUMBER = re.compile(r"-?([0-9]+([.,][0-9]*)?|[.,][0-9]+)")
_EBCDIC_HEADERS = (b"\xe4\xd5\xc1", b"\xe4\xd5\xc2")
_CHARSETS = {"D": "iso8859_2", "E": "iso8859_5", "F": "iso8859_7", "G": "iso8859_3",
             "H": "iso8859_4", "I": "iso8859_6", "J": "iso8859_8", "K": "iso8859_9",
             "W": "utf-8", "Y": "utf-8"}
_UNB_ELEMENTS = 11


@dataclass(frozen=True, slots=True)
class EdifactError:
    """One error, placed as a CONTRL places it: positions count from 1, UNH is segment 1."""

    code: str
    text: str
    segment_tag: str | None = None
    segment_position: int | None = None
    element_position: int | None = None
    component_position: int | None = None
    message_ref: str | None = None
    group_ref: str | None = None


class EdifactSyntaxError(InvalidInput):
    """Input that is not readable EDIFACT, or a message that cannot become an order."""

    def __init__(self, error: EdifactError) -> None:
        where = f" (segment {error.segment_tag})" if error.segment_tag else ""
        super().__init__(f"EDIFACT error {error.code}: {error.text}{where}")
        self.error = error

    @property
    def code(self) -> str:
        return self.error.code


def _fail(code: str, text: str, segment_tag: str | None = None,
          element_position: int | None = None) -> NoReturn:
    raise EdifactSyntaxError(EdifactError(code, text, segment_tag,
                                          element_position=element_position))


@dataclass(frozen=True, slots=True)
class EdifactSegment:
    tag: str
    elements: tuple[tuple[str, ...], ...]

    def value(self, element: int, component: int = 1) -> str:
        """Element and component counted from 1, as in `BGM02`; "" when absent."""
        components = self.composite(element)
        return components[component - 1] if 0 < component <= len(components) else ""

    def composite(self, element: int) -> tuple[str, ...]:
        return self.elements[element - 1] if 0 < element <= len(self.elements) else ()


@dataclass(frozen=True, slots=True)
class EdifactMessage:
    reference: str
    message_type: str
    version: str
    release: str
    agency: str
    association_code: str
    segments: tuple[EdifactSegment, ...]
    """UNH to UNT inclusive, so that segments[i] is at CONTRL position i + 1."""
    errors: tuple[EdifactError, ...] = ()
    group_reference: str | None = None

    @property
    def identifier(self) -> tuple[str, ...]:
        parts = (self.message_type, self.version, self.release, self.agency,
                 self.association_code)
        return parts if self.association_code else parts[:4]

    def positioned(self, *tags: str) -> Iterator[tuple[int, EdifactSegment]]:
        for position, segment in enumerate(self.segments, start=1):
            if segment.tag in tags:
                yield position, segment


@dataclass(frozen=True, slots=True)
class EdifactGroup:
    reference: str
    message_group: str
    sender: tuple[str, ...]
    recipient: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EdifactInterchange:
    syntax_identifier: str
    syntax_version: str
    sender_id: str
    sender_qualifier: str
    recipient_id: str
    recipient_qualifier: str
    control_reference: str
    prepared_date: str
    prepared_time: str
    messages: tuple[EdifactMessage, ...]
    groups: tuple[EdifactGroup, ...] = ()
    errors: tuple[EdifactError, ...] = ()
    """Interchange and group level errors; message errors are on each message."""
    service_characters: str = DEFAULT_SERVICE_CHARACTERS
    test_indicator: bool = False

    @property
    def prepared_at(self) -> datetime | None:
        pattern = "%Y%m%d%H%M" if len(self.prepared_date) == 8 else "%y%m%d%H%M"
        try:
            return datetime.strptime(self.prepared_date + self.prepared_time, pattern)
        except ValueError:
            return None

    @property
    def all_errors(self) -> tuple[EdifactError, ...]:
        return self.errors + tuple(e for m in self.messages for e in m.errors)


# ---------------------------------------------------------------- reading


def parse_interchange(data: bytes | str, *, allow_missing_trailer: bool = False
                      ) -> EdifactInterchange:
    """Exactly one interchange; see `parse_interchanges`."""
    found = parse_interchanges(data, allow_missing_trailer=allow_missing_trailer)
    if len(found) != 1:
        _fail("16", f"the data holds {len(found)} interchanges; read it with parse_interchanges",
              segment_tag="UNB")
    return found[0]


def parse_interchanges(data: bytes | str, *, allow_missing_trailer: bool = False
                       ) -> tuple[EdifactInterchange, ...]:
    """Every interchange in the data, envelope mismatches recorded as errors.

    Raises EdifactSyntaxError for data that is not readable EDIFACT: empty, binary, EBCDIC,
    truncated (no UNZ, unless `allow_missing_trailer`, which records code 13 instead).
    """
    text = _decode(data)
    found: list[EdifactInterchange] = []
    for advice, body in _chunks(text):
        segments = _segments(body, _characters(advice))
        for part in _split(segments, allow_missing_trailer):
            found.append(_interchange(part, advice))
    return tuple(found)


def _decode(data: bytes | str) -> str:
    text = _decode_bytes(data) if isinstance(data, bytes) else data
    text = text.lstrip("\ufeff" + _BLANKS)
    if not text:
        _fail("13", "empty input: no EDIFACT interchange", segment_tag="UNB")
    _check_characters(text)
    if not text.startswith(("UNA", "UNB")):
        _fail("13", f"not an EDIFACT interchange: it starts with {text[:12]!r}, not UNA or UNB",
              segment_tag="UNB")
    return text


def _decode_bytes(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_as(data, "utf-16")
    data = data.removeprefix(codecs.BOM_UTF8)
    if data.lstrip(b"\x40\x25\x15\x0d").startswith(_EBCDIC_HEADERS):
        _fail("46", "the data is EBCDIC; send EDIFACT in ASCII, ISO 8859 or UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        level = re.search(rb"UNO([A-Z])", data[:64])
        return _decode_as(data, _CHARSETS.get(level.group(1).decode() if level else "", "latin-1"))


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        _fail("21", f"byte {exc.start} is not valid {encoding}: binary or mislabelled data")


def _check_characters(text: str) -> None:
    allowed = text[3:9] if text.startswith("UNA") else ""
    found = _CONTROLS.search(text.translate({ord(c): " " for c in allowed}))
    if found:
        _fail("21", f"control character {ord(found.group()):#04x} at offset {found.start()}: "
                    "binary data?")


def _chunks(text: str) -> Iterator[tuple[str, str]]:
    """(service characters, text) per UNA, so that an interchange may change them."""
    position = 0
    while position < len(text):
        advice, start = _service_characters(text, position)
        end = _next_una(text, start, _characters(advice))
        yield advice, text[start:end]
        position = end


def _service_characters(text: str, position: int) -> tuple[str, int]:
    if not text.startswith("UNA", position):
        return DEFAULT_SERVICE_CHARACTERS, position
    advice = text[position + 3:position + 9]
    _check_advice(advice)
    return advice, position + 9


def _check_advice(advice: str) -> None:
    if len(advice) < 6:
        _fail("13", "UNA service string advice is truncated", segment_tag="UNA")
    component, data, decimal, release, terminator = (advice[i] for i in (0, 1, 2, 3, 5))
    separators = [component, data, terminator] + ([release] if release != " " else [])
    if len(set(separators)) < len(separators) or any(c.isalnum() for c in separators):
        _fail("20", f"UNA declares unusable service characters {advice!r}", segment_tag="UNA")
    if decimal not in ".,":
        _fail("19", f"UNA declares decimal mark {decimal!r}", segment_tag="UNA")


def _characters(advice: str) -> Characters:
    characters = Characters.from_str(advice)
    if characters.escape_character == " ":
        characters.escape_character = "\x00"  # a space in UNA4 means no release character
    characters.line_terminators = list(_BLANKS)
    return characters


def _next_una(text: str, start: int, characters: Characters) -> int:
    pattern = re.escape(characters.segment_terminator) + f"[{_BLANKS}]*(?=UNA)"
    for match in re.finditer(pattern, text[start:]):
        if not _escaped(text, start + match.start(), characters.escape_character):
            return start + match.end()
    return len(text)


def _escaped(text: str, position: int, release: str) -> bool:
    count = 0
    while position - count > 0 and text[position - count - 1] == release:
        count += 1
    return count % 2 == 1


def _segments(body: str, characters: Characters) -> list[EdifactSegment]:
    terminator = characters.segment_terminator
    body = body.lstrip(_BLANKS).rstrip(_BLANKS.replace(terminator, ""))
    if not body:
        _fail("13", "UNA is not followed by an interchange", segment_tag="UNB")
    if not body.endswith(terminator) or _escaped(body, len(body) - 1,
                                                 characters.escape_character):
        _fail("13", f"truncated: the data ends inside a segment ({body[-20:]!r})")
    try:
        return _group(Tokenizer().get_tokens(body, characters))
    except EDISyntaxError as exc:
        _fail("21", str(exc))


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
                _fail("13", f"{segment.tag!r} where an interchange header UNB was expected",
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
        _fail("13", f"truncated interchange {segments[0].value(5)!r}: no UNZ trailer",
              segment_tag="UNZ")


def _interchange(segments: list[EdifactSegment], characters: str) -> EdifactInterchange:
    unb, trailer = segments[0], segments[-1]
    _require_identity(unb)
    unz = trailer if trailer.tag == "UNZ" and len(segments) > 1 else None
    reader = _BodyReader()
    reader.read(segments[1:-1] if unz else segments[1:])
    reference = unb.value(5)
    errors = [*_check_unb(unb), *reader.errors, *_check_unz(unz, reference, reader)]
    return EdifactInterchange(
        syntax_identifier=unb.value(1), syntax_version=unb.value(1, 2),
        sender_id=unb.value(2), sender_qualifier=unb.value(2, 2),
        recipient_id=unb.value(3), recipient_qualifier=unb.value(3, 2),
        control_reference=reference, prepared_date=unb.value(4), prepared_time=unb.value(4, 2),
        messages=tuple(reader.messages), groups=tuple(reader.groups), errors=tuple(errors),
        service_characters=characters, test_indicator=unb.value(11) == "1")


def _require_identity(unb: EdifactSegment) -> None:
    if not unb.value(2) or not unb.value(5):
        _fail("13", "UNB names no sender or no control reference: nothing can acknowledge it",
              segment_tag="UNB", element_position=2 if not unb.value(2) else 5)


def _check_unb(unb: EdifactSegment) -> Iterator[EdifactError]:
    if not re.fullmatch(r"[A-Z]{4}", unb.value(1)) or unb.value(1, 2) not in tuple("1234"):
        yield EdifactError("2", f"syntax {unb.value(1)}:{unb.value(1, 2)} is not supported",
                           "UNB", element_position=1)
    if not unb.value(3):
        yield EdifactError("13", "UNB names no recipient", "UNB", element_position=3)
    stamp = f"{unb.value(4)}:{unb.value(4, 2)}"
    if not re.fullmatch(r"([0-9]{2})?[0-9]{6}:[0-9]{4}", stamp):
        yield EdifactError("12", "UNB date/time is not YYMMDD:HHMM", "UNB", element_position=4)
    if len(unb.elements) > _UNB_ELEMENTS:
        yield EdifactError("16", "UNB has too many data elements", "UNB")


def _check_unz(unz: EdifactSegment | None, reference: str, reader: _BodyReader
               ) -> Iterator[EdifactError]:
    if reader.groups and reader.ungrouped:
        yield EdifactError("30", "functional groups and messages outside groups are mixed")
    if not reader.messages:
        yield EdifactError("32", "the interchange holds no message")
    if unz is None:
        yield EdifactError("13", "UNZ trailer missing", "UNZ")
        return
    counted = len(reader.groups) or len(reader.messages)
    yield from _count_check(unz, counted, "groups" if reader.groups else "messages")
    if unz.value(2) != reference:
        yield EdifactError("28", f"UNZ reference {unz.value(2)!r} is not UNB's {reference!r}",
                           "UNZ", element_position=2)


def _count_check(trailer: EdifactSegment, counted: int, what: str,
                 position: int | None = None, group_ref: str | None = None
                 ) -> Iterator[EdifactError]:
    declared = trailer.value(1)
    if not _is_number(declared):
        yield EdifactError("13" if not declared else "12",
                           f"{trailer.tag} count {declared!r} is not a number",
                           trailer.tag, position, 1, group_ref=group_ref)
    elif int(declared) != counted:
        yield EdifactError("29", f"{trailer.tag} counts {declared} {what}, received {counted}",
                           trailer.tag, position, 1, group_ref=group_ref)


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


class _BodyReader:
    """Walks the segments between UNB and UNZ into groups and messages."""

    def __init__(self) -> None:
        self.messages: list[EdifactMessage] = []
        self.groups: list[EdifactGroup] = []
        self.errors: list[EdifactError] = []
        self.ungrouped = 0
        self._message: list[EdifactSegment] | None = None
        self._group: EdifactSegment | None = None
        self._in_group = 0
        self._references: set[str] = set()

    def read(self, segments: Iterable[EdifactSegment]) -> None:
        for segment in segments:
            self._feed(segment)
        self._close_message(None)
        self._close_group(None)

    def _feed(self, segment: EdifactSegment) -> None:
        if segment.tag in ("UNH", "UNG", "UNE"):
            self._close_message(None)
        if segment.tag == "UNH":
            self._message = [segment]
        elif segment.tag == "UNT":
            self._close_message(segment)
        elif segment.tag == "UNG":
            self._close_group(None)
            self._group, self._in_group = segment, 0
        elif segment.tag == "UNE":
            self._close_group(segment)
        elif self._message is not None:
            self._message.append(segment)
        else:
            self.errors.append(EdifactError("33", f"segment {segment.tag!r} outside a message",
                                            segment.tag[:3]))

    def _close_message(self, unt: EdifactSegment | None) -> None:
        if self._message is None:
            if unt is not None:
                self.errors.append(EdifactError("33", "UNT without UNH", "UNT"))
            return
        segments = [*self._message, *([unt] if unt else [])]
        group = self._group.value(5) if self._group else None
        self.messages.append(_message(segments, unt is not None, group, self._references))
        self._references.add(self.messages[-1].reference)
        self._message = None
        self._in_group += 1
        self.ungrouped += self._group is None

    def _close_group(self, une: EdifactSegment | None) -> None:
        if self._group is None:
            if une is not None:
                self.errors.append(EdifactError("33", "UNE without UNG", "UNE"))
            return
        ung, reference = self._group, self._group.value(5)
        self.groups.append(EdifactGroup(reference, ung.value(1), ung.composite(2),
                                        ung.composite(3)))
        self.errors.extend(_check_une(une, reference, self._in_group))
        self._group = None


def _check_une(une: EdifactSegment | None, reference: str, counted: int
               ) -> Iterator[EdifactError]:
    if une is None:
        yield EdifactError("13", "UNE trailer missing", "UNE", group_ref=reference)
        return
    yield from _count_check(une, counted, "messages", group_ref=reference)
    if une.value(2) != reference:
        yield EdifactError("28", f"UNE reference {une.value(2)!r} is not UNG's {reference!r}",
                           "UNE", element_position=2, group_ref=reference)


def _message(segments: list[EdifactSegment], closed: bool, group: str | None,
             seen: set[str]) -> EdifactMessage:
    unh = segments[0]
    reference = unh.value(1)
    errors = [*_check_unh(unh, seen), *_check_tags(segments)]
    if closed:
        errors.extend(_check_unt(segments, reference))
    else:
        errors.append(EdifactError("13", "message not closed by UNT", "UNT"))
    placed = tuple(EdifactError(e.code, e.text, e.segment_tag, e.segment_position,
                                e.element_position, e.component_position, reference, group)
                   for e in errors)
    return EdifactMessage(reference, unh.value(2), unh.value(2, 2), unh.value(2, 3),
                          unh.value(2, 4), unh.value(2, 5), tuple(segments), placed, group)


def _check_unh(unh: EdifactSegment, seen: set[str]) -> Iterator[EdifactError]:
    if not unh.value(1):
        yield EdifactError("13", "UNH has no message reference", "UNH", 1, 1)
    elif unh.value(1) in seen:
        yield EdifactError("26", f"message reference {unh.value(1)!r} is used twice", "UNH", 1, 1)
    for component, name in enumerate(("type", "version", "release", "agency"), start=1):
        if not unh.value(2, component):
            yield EdifactError("13", f"UNH names no message {name}", "UNH", 1, 2, component)


def _check_tags(segments: list[EdifactSegment]) -> Iterator[EdifactError]:
    for position, segment in enumerate(segments, start=1):
        if not _TAG.fullmatch(segment.tag):
            yield EdifactError("12", f"{segment.tag[:10]!r} is not a segment tag",
                               segment_position=position)


def _check_unt(segments: list[EdifactSegment], reference: str) -> Iterator[EdifactError]:
    unt, position = segments[-1], len(segments)
    yield from _count_check(unt, position, "segments", position)
    if unt.value(2) != reference:
        yield EdifactError("28", f"UNT reference {unt.value(2)!r} is not UNH's {reference!r}",
                           "UNT", position, 2)


# ---------------------------------------------------------------- ORDERS → OrderDraft

_ITEM_TYPES = {"EN": "EN", "SRV": "EN", "UP": "UP", "IN": "IN", "SA": "VN", "VN": "VN",
               "BP": "BP", "MF": "MF"}
"""7143 item type to the qualifiers of TradingPartner.sku_for."""
_ITEM_AGENCIES = {"9": "EN", "91": "VN", "92": "IN"}
"""3055 responsible agency, when 7143 is blank (GS1, supplier, buyer)."""
_SHIP_DATES = ("2", "10", "64", "69", "63", "37")
_DATE_FORMATS = {"101": "%y%m%d", "102": "%Y%m%d", "203": "%Y%m%d%H%M", "204": "%Y%m%d%H%M%S"}
_FORMAT_BY_LENGTH = {6: "101", 8: "102", 12: "203", 14: "204"}
_SHIP_TO_PARTIES = ("DP", "ST")
_QUANTITIES = ("21", "1")
_PRICES = ("AAA", "AAB")


def is_orders(message: EdifactMessage) -> bool:
    return message.message_type == ORDERS


def unsupported_message_error(message: EdifactMessage) -> EdifactError:
    """What a CONTRL says about a message type this channel does not take."""
    return EdifactError("17", f"message type {message.message_type!r} is not supported",
                        "UNH", 1, 2, 1, message.reference, message.group_reference)


def order_from_orders(message: EdifactMessage, partner: TradingPartner,
                      interchange_ref: str) -> OrderDraft:
    """The canonical order of one clean ORDERS message; EdifactSyntaxError otherwise."""
    if message.errors:
        raise EdifactSyntaxError(message.errors[0])
    if not is_orders(message):
        raise EdifactSyntaxError(unsupported_message_error(message))
    return OrderDraft(
        channel=Channel.EDI.value, external_id=f"{interchange_ref}-{message.reference}",
        customer_id=partner.customer_id, customer_po=_po_number(message),
        requested_ship_date=_requested_date(message), ship_to=_ship_to(message),
        lines=_lines(message, partner))


def _fail_in(message: EdifactMessage, code: str, text: str, tag: str,
             position: int | None = None, element: int | None = None,
             component: int | None = None) -> NoReturn:
    raise EdifactSyntaxError(EdifactError(code, text, tag, position, element, component,
                                          message.reference, message.group_reference))


def _po_number(message: EdifactMessage) -> str:
    for position, bgm in message.positioned("BGM"):
        if not bgm.value(2):
            _fail_in(message, "13", "BGM has no document number", "BGM", position, 2, 1)
        return bgm.value(2)
    _fail_in(message, "13", "ORDERS without BGM", "BGM")


def _header(message: EdifactMessage) -> Iterator[tuple[int, EdifactSegment]]:
    for position, segment in enumerate(message.segments, start=1):
        if segment.tag in ("LIN", "UNS"):
            return
        yield position, segment


def _requested_date(message: EdifactMessage) -> date | None:
    found = _qualified(list(_header(message)), "DTM", _SHIP_DATES)
    return _date(message, *found) if found else None


def _date(message: EdifactMessage, position: int, dtm: EdifactSegment) -> date:
    value, code = dtm.value(1, 2), dtm.value(1, 3)
    if code == "718":
        value, code = value[:8], "102"
    pattern = _DATE_FORMATS.get(code or _FORMAT_BY_LENGTH.get(len(value), ""))
    try:
        if pattern is None or not _is_number(value):
            raise ValueError(code)
        return datetime.strptime(value, pattern).date()
    except ValueError:
        _fail_in(message, "12", f"DTM {value!r} is not a date in format {code!r}", "DTM",
                 position, 1, 2)


def delivery_party_id(message: EdifactMessage) -> str | None:
    """The party id (often a GLN) of NAD+DP or NAD+ST, for a location lookup."""
    party = _ship_to_party(message)
    return party.value(2) or None if party else None


def _ship_to_party(message: EdifactMessage) -> EdifactSegment | None:
    found = _qualified(list(message.positioned("NAD")), "NAD", _SHIP_TO_PARTIES)
    return found[1] if found else None


def _ship_to(message: EdifactMessage) -> ShipTo:
    nad = _ship_to_party(message)
    if nad is None:
        return ShipTo()
    unstructured = nad.composite(3)
    name = _join(nad.composite(4)[:5], " ") or _join(unstructured[:1], " ")
    street = _join(nad.composite(5), ", ") or _join(unstructured[1:2], " ")
    return ShipTo(name=name, line1=street, city=nad.value(6) or None,
                  region=nad.value(7) or None, postal_code=nad.value(8) or None,
                  country=nad.value(9) or None)


def _join(parts: Sequence[str], separator: str) -> str | None:
    return separator.join(p.strip() for p in parts if p.strip()) or None


def _lines(message: EdifactMessage, partner: TradingPartner) -> tuple[OrderLine, ...]:
    groups = list(_line_groups(message))
    if not groups:
        _fail_in(message, "13", "ORDERS without any LIN", "LIN")
    return tuple(_line(message, group, index, partner)
                 for index, group in enumerate(groups, start=1))


def _line_groups(message: EdifactMessage) -> Iterator[list[tuple[int, EdifactSegment]]]:
    group: list[tuple[int, EdifactSegment]] = []
    for position, segment in enumerate(message.segments, start=1):
        if segment.tag in ("LIN", "UNS", "UNT") and group:
            yield group
            group = []
        if segment.tag in ("UNS", "UNT"):
            return
        if segment.tag == "LIN" or group:
            group.append((position, segment))
    if group:
        yield group


def _line(message: EdifactMessage, group: list[tuple[int, EdifactSegment]], index: int,
          partner: TradingPartner) -> OrderLine:
    position, lin = group[0]
    ids = _item_ids(group)
    if not ids:
        _fail_in(message, "13", f"line {lin.value(1) or index} has no item number", "LIN",
                 position, 3, 1)
    number = lin.value(1) or str(index)
    if not _is_number(number):
        _fail_in(message, "12", f"line number {number!r} is not a number", "LIN", position, 1)
    quantity, uom = _quantity(message, group)
    sku = partner.sku_for(ids) or next(iter(ids.values()))
    return OrderLine(line_no=int(number), sku=sku, quantity=quantity,
                     unit_price=_price(message, group), uom=uom)


def _item_ids(group: list[tuple[int, EdifactSegment]]) -> dict[str, str]:
    """Qualifier to value, LIN03 first, then PIA+1/PIA+5 ids; the first of each kind wins."""
    lin = group[0][1]
    numbers = [lin.composite(3)]
    for _, pia in group:
        if pia.tag == "PIA" and pia.value(1) in ("1", "5"):
            numbers.extend(pia.composite(element) for element in range(2, 7))
    ids: dict[str, str] = {}
    for number in numbers:
        value, kind, _, agency = (*number, "", "", "", "")[:4]
        if value:
            ids.setdefault(_ITEM_TYPES.get(kind, kind) or _ITEM_AGENCIES.get(agency, ""), value)
    return ids


def _quantity(message: EdifactMessage, group: list[tuple[int, EdifactSegment]]
              ) -> tuple[int | None, str | None]:
    found = _qualified(group, "QTY", _QUANTITIES)
    if found is None:
        return None, None
    position, qty = found
    amount = _decimal(message, qty.value(1, 2), "QTY", position)
    if amount is None or amount != amount.to_integral_value():
        _fail_in(message, "12", f"quantity {qty.value(1, 2)!r} is not a whole number", "QTY",
                 position, 1, 2)
    return int(amount), qty.value(1, 3) or None


def _price(message: EdifactMessage, group: list[tuple[int, EdifactSegment]]) -> Decimal | None:
    found = _qualified(group, "PRI", _PRICES)
    if found is None:
        return None
    position, pri = found
    price = _decimal(message, pri.value(1, 2), "PRI", position)
    basis = _decimal(message, pri.value(1, 5), "PRI", position, component=5)
    return price / basis if price is not None and basis else price


def _qualified(group: list[tuple[int, EdifactSegment]], tag: str, qualifiers: Sequence[str]
               ) -> tuple[int, EdifactSegment] | None:
    """The first `tag` segment with the most preferred qualifier (its first element)."""
    found = {s.value(1): (p, s) for p, s in reversed(group) if s.tag == tag}
    return next((found[q] for q in qualifiers if q in found), None)


def _decimal(message: EdifactMessage, text: str, tag: str, position: int,
             component: int = 2) -> Decimal | None:
    if not text:
        return None
    try:
        if not _NUMBER.fullmatch(text):
            raise InvalidOperation(text)
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        _fail_in(message, "12", f"{text!r} is not a number", tag, position, 1, component)
