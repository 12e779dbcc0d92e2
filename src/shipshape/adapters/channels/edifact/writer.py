"""Outbound EDIFACT messages (DESADV, INVOIC, ORDRSP): segments, data checks and the envelope.

One message per interchange, syntax UNOC:3 (Latin-1), written by pydifact's serializer with the
default service characters (pydifact escapes `?`, `+`, `:` and `'` in data with the release
character). The partner's control number is the interchange reference (UNB 0020 = UNZ 0020) and
the message reference (UNH 0062 = UNT 0062), so two documents for a partner carry consecutive
references. Data that cannot be written (a character outside Latin-1, a value longer than its
data element) raises `InvalidInput`, naming the value, which the caller turns into a case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydifact.constants import Element
from pydifact.control.characters import Characters
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from shipshape.domain.errors import InvalidInput
from shipshape.domain.partners import OurIdentity, TradingPartner

SYNTAX = ("UNOC", "3")
D96A = ("D", "96A", "UN")
SERVICE_CHARACTERS = ":+.? '"
REFERENCE_LENGTH = 14
"""an..14: UNB 0020 and UNH 0062."""
TEXT_LENGTH = 35
"""an..35: most names, references and document numbers."""
DATE_FORMAT, STAMP_FORMAT = "102", "203"
"""2379: CCYYMMDD and CCYYMMDDHHMM."""


def text(value: str | None, what: str, limit: int = TEXT_LENGTH) -> str:
    """A data value as EDIFACT can carry it, or `InvalidInput` naming `what`."""
    value = (value or "").strip()
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidInput(f"{what} {value!r} has characters outside UNOC (Latin-1)") from None
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise InvalidInput(f"{what} {value!r} holds control characters")
    if len(value) > limit:
        raise InvalidInput(f"{what} {value!r} is longer than the {limit} characters "
                           "EDIFACT allows")
    return value


def required(value: str | None, what: str, limit: int = TEXT_LENGTH) -> str:
    checked = text(value, what, limit)
    if not checked:
        raise InvalidInput(f"{what} is missing")
    return checked


def split_text(value: str | None, what: str, parts: int, limit: int = TEXT_LENGTH
               ) -> list[str]:
    """A long value (a name, a street) over up to `parts` components of `limit` characters."""
    whole = text(value, what, parts * limit)
    return [whole[i:i + limit] for i in range(0, len(whole), limit)] or [""]


def day(value: date) -> str:
    return value.strftime("%Y%m%d")


def number(value: Decimal | int) -> str:
    """A numeric data element: decimal mark `.`, no exponent, no thousands separator."""
    if isinstance(value, int):
        return str(value)
    if not value.is_finite():
        raise InvalidInput(f"amount {value} is not a number")
    return format(value, "f")


def seg(tag: str, *elements: Element) -> Segment:
    """A segment, trailing empty elements and components dropped."""
    trimmed = [_trim(e) for e in elements]
    while trimmed and trimmed[-1] in ("", []):
        trimmed.pop()
    return Segment(tag, *trimmed)


def _trim(element: Element) -> Element:
    if isinstance(element, str):
        return element
    parts = list(element)
    while parts and parts[-1] == "":
        parts.pop()
    return parts if len(parts) > 1 else (parts[0] if parts else "")


def party(edifact_id: str, what: str) -> Element:
    """A UNB party, "id" or "id:qualifier" (a profile may carry the qualifier)."""
    identifier, _, qualifier = edifact_id.partition(":")
    required(identifier, what)
    return [identifier, qualifier] if qualifier else identifier


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who sends to whom, under which reference, when."""

    partner: TradingPartner
    our: OurIdentity
    control_number: int
    when: datetime
    test: bool = False

    @property
    def reference(self) -> str:
        reference = str(self.control_number)
        if not (self.control_number > 0 and len(reference) <= REFERENCE_LENGTH):
            raise InvalidInput(f"control reference {reference} is not 1-{REFERENCE_LENGTH} "
                               "digits")
        return reference


def interchange(message_type: str, body: Sequence[Segment], envelope: Envelope) -> str:
    """One message (UNH, `body`, UNT) in one interchange (UNA, UNB ... UNZ)."""
    reference = envelope.reference
    partner = envelope.partner
    if not partner.edifact_id:
        raise InvalidInput(f"partner {partner.id} has no EDIFACT id")
    when = envelope.when
    unb = seg("UNB", list(SYNTAX), party(envelope.our.edifact_id, "our EDIFACT id"),
              party(partner.edifact_id, f"partner {partner.id} EDIFACT id"),
              [when.strftime("%y%m%d"), when.strftime("%H%M")], reference,
              "", "", "", "", "", "1" if envelope.test else "")
    segments = [unb, seg("UNH", reference, [message_type, *D96A]), *body,
                seg("UNT", str(len(body) + 2), reference), seg("UNZ", "1", reference)]
    serializer = Serializer(Characters.from_str(SERVICE_CHARACTERS))
    return serializer.serialize(segments, with_una_header=True)
