"""EDIFACT inbound model: segments, messages, interchanges, and the errors a CONTRL reports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import NoReturn

from shipshape.domain.errors import InvalidInput

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
    "39": "Data element too long",
    "46": "Character set not supported",
}
"""The 0085 syntax error codes this adapter reports."""

DEFAULT_SERVICE_CHARACTERS = ":+.? '"


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


def fail(code: str, text: str, segment_tag: str | None = None,
         element_position: int | None = None) -> NoReturn:
    """Raise an EdifactSyntaxError for input that cannot be read at all."""
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
    source: bytes = field(default=b"", compare=False, repr=False)
    """The interchange's own bytes as received, UNB through UNZ, after its UNA if it has one."""

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


def is_number(text: str) -> bool:
    """ASCII digits only, as in EDIFACT counts and line numbers."""
    return text.isascii() and text.isdigit()

