"""EDIFACT envelope checks: UNB/UNZ, UNG/UNE and UNH/UNT, recorded as 0085 errors."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from shipshape.adapters.channels.edifact.model import (
    EdifactError,
    EdifactGroup,
    EdifactInterchange,
    EdifactMessage,
    EdifactSegment,
    fail,
    is_number,
)

_TAG = re.compile(r"[A-Z][A-Z0-9]{2}")
_UNB_ELEMENTS = 11


def read_interchange(segments: list[EdifactSegment], characters: str) -> EdifactInterchange:
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
        fail("13", "UNB names no sender or no control reference: nothing can acknowledge it",
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
    if not is_number(declared):
        yield EdifactError("13" if not declared else "12",
                           f"{trailer.tag} count {declared!r} is not a number",
                           trailer.tag, position, 1, group_ref=group_ref)
    elif int(declared) != counted:
        yield EdifactError("29", f"{trailer.tag} counts {declared} {what}, received {counted}",
                           trailer.tag, position, 1, group_ref=group_ref)



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

