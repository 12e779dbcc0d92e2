"""The one X12 writer: envelopes and segment rendering for the acknowledgements and the 856/810.

Replies (997, TA1, 855) go back in the sender's envelope; outbound documents
(`x12.outbound`) build theirs from the partner profile. X12 has no escape character, so a value
holding a separator or a control character is refused.
"""

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

Written = Sequence[str]
"""A segment to write, as a list or a tuple of its elements; element 0 is the segment id."""

ASCII_CONTROL = re.compile("[\x00-\x1f\x7f]")
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


@dataclass(frozen=True, slots=True)
class IsaFields:
    """The ISA fields that vary, each already checked and padded to its fixed width."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    at: datetime
    isa11: str
    version: str
    control: int
    """ISA13 and IEA02."""
    usage: str


def interchange(reply: Reply, our: OurIdentity, control_number: int, at: datetime,
                content: Sequence[Written], groups: int) -> str:
    """ISA, the content, IEA: one interchange under `control_number`."""
    control = _control(control_number)
    return wrap_interchange(_isa_fields(reply, our, control, at), content, groups,
                            reply.separators)


def functional_group(reply: Reply, our: OurIdentity, control_number: int, at: datetime,
                     functional_id: str, sets: Sequence[tuple[str, Sequence[Written]]]
                     ) -> list[Written]:
    """GS, each set as ST ... SE numbered 0001 upwards, GE."""
    control = str(_control(control_number))
    return wrap_group(["GS", functional_id, our.gs_code, reply.partner_application,
                       x12_date(at, reply.version), at.strftime("%H%M"), control, "X",
                       reply.version], sets)


def wrap_interchange(isa: IsaFields, content: Iterable[Written], groups: int,
                     separators: Separators, *, ascii_controls: bool = False) -> str:
    """The ISA, the content (functional groups or a TA1), the IEA counting `groups`."""
    return _isa(isa, separators, ascii_controls) + render(
        [*content, ["IEA", str(groups), f"{isa.control:09d}"]], separators,
        ascii_controls=ascii_controls)


def wrap_group(gs: Written, sets: Sequence[tuple[str, Sequence[Written]]],
               first_set: int = 1) -> list[Written]:
    """The GS, each set as ST ... SE numbered from `first_set` upwards, the GE echoing GS06."""
    segments: list[Written] = [gs]
    for number, (set_id, body) in enumerate(sets, start=first_set):
        set_control = f"{number:04d}"
        segments += [["ST", set_id, set_control], *body,
                     ["SE", str(len(body) + 2), set_control]]
    segments.append(["GE", str(len(sets)), gs[6]])
    return segments


def render(segments: Iterable[Written], separators: Separators, *,
           ascii_controls: bool = False) -> str:
    return "".join(_segment(segment, separators, ascii_controls) for segment in segments)


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


def _segment(segment: Written, separators: Separators, ascii_controls: bool) -> str:
    for value in segment:
        check(segment[0], value, separators, ascii_controls=ascii_controls)
    elements = list(segment)
    while len(elements) > 1 and elements[-1] == "":
        elements.pop()
    return separators.element.join(elements) + separators.segment


def check(tag: str, value: str, separators: Separators, *, ascii_controls: bool = False) -> None:
    """Refuse a value holding a separator or a control character.

    A control character is anything `clean` would drop (not printable) for the
    acknowledgements; with `ascii_controls`, as the 856/810 have it, only ASCII 0-31 and 127.
    """
    control = ASCII_CONTROL.search(value) if ascii_controls else not value.isprintable()
    if control or _reserved_pattern(separators).search(value):
        raise InvalidInput(f"{tag} value {value!r} contains an X12 delimiter or control character")


def _control(number: int) -> int:
    if not 1 <= number <= MAX_CONTROL_NUMBER:
        raise InvalidInput(f"control number must be 1-{MAX_CONTROL_NUMBER}, not {number}")
    return number


def _isa_fields(reply: Reply, our: OurIdentity, control: int, at: datetime) -> IsaFields:
    version = reply.isa_version
    if not (len(version) == 5 and version.isascii() and version.isdigit()):
        version = DEFAULT_ISA_VERSION
    usage = reply.usage_indicator if reply.usage_indicator in ("P", "T", "I") else "P"
    return IsaFields(_qualifier(our.isa_qualifier), _fixed(our.isa_id, ISA_ID_WIDTH),
                     _qualifier(reply.partner_qualifier), _fixed(reply.partner_id, ISA_ID_WIDTH),
                     at, _isa11(reply), version, control, usage)


def _isa(isa: IsaFields, separators: Separators, ascii_controls: bool) -> str:
    fields = [
        "ISA", "00", " " * 10, "00", " " * 10,
        isa.sender_qualifier, isa.sender_id, isa.receiver_qualifier, isa.receiver_id,
        isa.at.strftime("%y%m%d"), isa.at.strftime("%H%M"),
    ]
    for value in fields:
        check("ISA", value, separators, ascii_controls=ascii_controls)
    fields += [isa.isa11, isa.version, f"{isa.control:09d}", "0", isa.usage,
               separators.component]
    return separators.element.join(fields) + separators.segment


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
