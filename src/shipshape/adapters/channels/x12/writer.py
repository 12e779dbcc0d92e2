"""The small X12 writer behind the acknowledgements: replies go back in the sender's envelope."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shipshape.adapters.channels.x12.model import (
    Envelope,
    FunctionalGroup,
    Interchange,
    Segment,
    Separators,
)
from shipshape.domain.errors import InvalidInput
from shipshape.domain.partners import OurIdentity

MAX_CONTROL_NUMBER = 999_999_999
ISA_ID_WIDTH = 15
DEFAULT_ISA_VERSION = "00401"
FIRST_LONG_DATE_VERSION = "004010"


@dataclass(frozen=True, slots=True)
class Reply:
    """Where a reply goes and how: the partner as the inbound envelope named it."""

    partner_qualifier: str
    partner_id: str
    partner_application: str
    isa_version: str
    isa11: str
    usage_indicator: str
    separators: Separators
    version: str

    @classmethod
    def to_interchange(cls, interchange: Interchange, group: FunctionalGroup | None) -> Reply:
        return cls(interchange.sender_qualifier, interchange.sender_id,
                   group.sender if group else "", interchange.version, interchange.isa11,
                   interchange.usage_indicator, interchange.separators,
                   group.version if group else "")

    @classmethod
    def to_envelope(cls, envelope: Envelope) -> Reply:
        return cls(envelope.sender_qualifier, envelope.sender_id, envelope.group_sender,
                   envelope.isa_version, envelope.isa11, envelope.usage_indicator,
                   envelope.separators, envelope.group_version)


def interchange(reply: Reply, our: OurIdentity, control_number: int, at: datetime,
                content: Sequence[Segment], groups: int) -> str:
    """ISA, the content, IEA: one interchange under `control_number`."""
    control = _control(control_number)
    isa = _isa(reply, our, f"{control:09d}", at)
    return isa + render([*content, ["IEA", str(groups), f"{control:09d}"]], reply.separators)


def functional_group(reply: Reply, our: OurIdentity, control_number: int, at: datetime,
                     functional_id: str, sets: Sequence[tuple[str, list[Segment]]]
                     ) -> list[Segment]:
    """GS, each set as ST ... SE numbered 0001 upwards, GE."""
    control = str(_control(control_number))
    segments: list[Segment] = [["GS", functional_id, our.gs_code, reply.partner_application,
                                x12_date(at, reply.version), at.strftime("%H%M"), control,
                                "X", reply.version]]
    for number, (set_id, body) in enumerate(sets, start=1):
        set_control = f"{number:04d}"
        segments += [["ST", set_id, set_control], *body,
                     ["SE", str(len(body) + 2), set_control]]
    segments.append(["GE", str(len(sets)), control])
    return segments


def render(segments: Iterable[Segment], separators: Separators) -> str:
    return "".join(_segment(segment, separators) for segment in segments)


def x12_date(moment: datetime | None, version: str) -> str:
    """CCYYMMDD, or YYMMDD for versions before 004010."""
    if moment is None:
        return ""
    return moment.strftime("%Y%m%d" if version[:6] >= FIRST_LONG_DATE_VERSION else "%y%m%d")


def x12_decimal(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


@functools.lru_cache(maxsize=64)
def _reserved_pattern(separators: Separators) -> re.Pattern[str]:
    """A pattern finding any of the separators in a value, compiled once per separator set."""
    return re.compile("[" + re.escape(separators.reserved) + "]")


def clean(value: str, separators: Separators, limit: int | None = None) -> str:
    """A copy of received data made safe to send back: no delimiters, no control characters."""
    if value.isprintable() and not _reserved_pattern(separators).search(value):
        return value[:limit]
    reserved = separators.reserved
    kept = "".join(c for c in value if c not in reserved and c.isprintable())
    return kept[:limit]


def echo(segments: Iterable[Segment], separators: Separators) -> list[Segment]:
    """Segments that repeat received values, each value cleaned."""
    return [[clean(value, separators) for value in segment] for segment in segments]


def _segment(segment: Segment, separators: Separators) -> str:
    for value in segment:
        _check(segment[0], value, separators)
    elements = list(segment)
    while len(elements) > 1 and elements[-1] == "":
        elements.pop()
    return separators.element.join(elements) + separators.segment


def _check(tag: str, value: str, separators: Separators) -> None:
    if not value.isprintable() or _reserved_pattern(separators).search(value):
        raise InvalidInput(f"{tag} value {value!r} contains an X12 delimiter or control character")


def _control(number: int) -> int:
    if not 1 <= number <= MAX_CONTROL_NUMBER:
        raise InvalidInput(f"control number must be 1-{MAX_CONTROL_NUMBER}, not {number}")
    return number


def _isa(reply: Reply, our: OurIdentity, control: str, at: datetime) -> str:
    version = reply.isa_version
    if not (len(version) == 5 and version.isascii() and version.isdigit()):
        version = DEFAULT_ISA_VERSION
    usage = reply.usage_indicator if reply.usage_indicator in ("P", "T", "I") else "P"
    fields = [
        "ISA", "00", " " * 10, "00", " " * 10,
        _qualifier(our.isa_qualifier), _fixed(our.isa_id, ISA_ID_WIDTH),
        _qualifier(reply.partner_qualifier), _fixed(reply.partner_id, ISA_ID_WIDTH),
        at.strftime("%y%m%d"), at.strftime("%H%M"),
    ]
    for value in fields:
        _check("ISA", value, reply.separators)
    seps = reply.separators
    fields += [_isa11(reply), version, control, "0", usage, seps.component]
    return seps.element.join(fields) + seps.segment


def _isa11(reply: Reply) -> str:
    value = reply.isa11
    if reply.separators.repetition is not None:
        return reply.separators.repetition
    return value if len(value) == 1 and value.isalnum() else "U"


def _qualifier(value: str) -> str:
    if not (len(value) == 2 and value.isascii() and value.isalnum()):
        raise InvalidInput(f"ISA id qualifier {value!r} must be 2 letters or digits")
    return value


def _fixed(value: str, width: int) -> str:
    if not 1 <= len(value) <= width:
        raise InvalidInput(f"ISA value {value!r} must be 1-{width} characters")
    return value.ljust(width)
