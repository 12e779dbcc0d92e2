"""EDIFACT acknowledgements out: CONTRL for syntax errors, APERAK for application errors."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import groupby

from pydifact.constants import Element
from pydifact.control.characters import Characters
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from shipshape.adapters.channels.edifact.model import (
    EdifactError,
    EdifactInterchange,
    EdifactMessage,
)
from shipshape.adapters.channels.edifact.writer import seg as _segment
from shipshape.domain.partners import OurIdentity, TradingPartner

REJECTED = "4"
"""0083: this level and all lower levels rejected."""
ACKNOWLEDGED = "7"
"""0083: this level acknowledged, lower levels acknowledged unless explicitly rejected."""
RECEIVED = "8"
"""0083: interchange received, content not yet checked."""

OUTBOUND_CHARACTERS = ":+.? '"
APERAK_SYNTAX = ("UNOC", "3")
_TEXT_LIMIT = 70
_SERVICE_TAGS = ("UNB", "UNZ", "UNG", "UNE", "UNH", "UNT")

Key = tuple[str | None, str | None]
"""(group reference, message reference) that an error belongs to."""


def build_contrl(interchange: EdifactInterchange, errors: Sequence[EdifactError],
                 control_reference: str, our: OurIdentity, *, now: datetime | None = None,
                 received_only: bool = False) -> str:
    """A CONTRL interchange answering `interchange`, sender and recipient reversed.

    `errors` are those the caller found (unsupported message type, mapping errors), on top of
    the envelope errors recorded by the parser. `received_only` sends action 8 and no details.
    """
    reported = list(dict.fromkeys([*interchange.all_errors, *errors]))
    by_owner = {key: list(group) for key, group in
                groupby(sorted(reported, key=_owner_sort), key=_owner)}
    body = [_uci(interchange, by_owner, received_only)]
    if not received_only:
        body += _ucms(interchange.messages, by_owner, None)
        body += _ucfs(interchange, by_owner)
    version = interchange.syntax_version if interchange.syntax_version in tuple("1234") else "3"
    identifier = ["CONTRL", "4", "1", "UN"] if version == "4" else ["CONTRL", "D", "3", "UN"]
    syntax = interchange.syntax_identifier
    return _interchange(
        [syntax if re.fullmatch("UNO[A-Z]", syntax) else "UNOA", version],
        _ours(our, interchange.recipient_id, interchange.recipient_qualifier),
        _party(interchange.sender_id, interchange.sender_qualifier),
        control_reference, _message(identifier, body), now)


def build_aperak(order_reference: str, message_ref: str, errors: Sequence[tuple[str, str]],
                 control_reference: str, partner: TradingPartner, our: OurIdentity, *,
                 now: datetime | None = None) -> str:
    """An APERAK on order `order_reference` (the PO), answering message `message_ref`.

    `errors` are (application error code, text) pairs, one ERC + FTX+AAO each.
    """
    stamp = _now(now)
    body = [
        _segment("BGM", ["313"], control_reference, "9"),
        _segment("DTM", ["137", stamp.strftime("%Y%m%d%H%M"), "203"]),
        _segment("RFF", ["ON", order_reference]),
        _segment("RFF", ["ACW", message_ref]),
    ]
    for code, text in errors:
        body += [_segment("ERC", [code]), _segment("FTX", "AAO", "", "", _text(text))]
    sender = _ours(our, partner.edifact_id, "")
    return _interchange(list(APERAK_SYNTAX), sender, _party(*_split_id(partner.edifact_id)),
                        control_reference, _message(["APERAK", "D", "96A", "UN"], body), now)


def _owner(error: EdifactError) -> Key:
    return error.group_ref, error.message_ref


def _owner_sort(error: EdifactError) -> tuple[str, str]:
    return error.group_ref or "", error.message_ref or ""


def _uci(interchange: EdifactInterchange, by_owner: dict[Key, list[EdifactError]],
         received_only: bool) -> Segment:
    own = by_owner.get((None, None), [])
    messages = interchange.messages
    all_rejected = bool(messages) and all(_owner_of(m) in by_owner for m in messages)
    action = RECEIVED if received_only else (
        REJECTED if own or all_rejected else ACKNOWLEDGED)
    detail = _detail(own[0]) if own and not received_only else []
    return _segment("UCI", interchange.control_reference,
                    _party(interchange.sender_id, interchange.sender_qualifier),
                    _party(interchange.recipient_id, interchange.recipient_qualifier),
                    action, *detail)


def _owner_of(message: EdifactMessage) -> Key:
    return message.group_reference, message.reference


def _ucms(messages: Iterable[EdifactMessage], by_owner: dict[Key, list[EdifactError]],
          group: str | None) -> list[Segment]:
    out: list[Segment] = []
    for message in messages:
        errors = by_owner.get(_owner_of(message))
        if message.group_reference != group or not errors:
            continue
        placed = [e for e in errors if e.segment_position and e.segment_tag not in _SERVICE_TAGS]
        general = [e for e in errors if e not in placed]
        detail = _detail(general[0]) if general else []
        out.append(_segment("UCM", message.reference, list(message.identifier), REJECTED,
                            *detail))
        out += _ucs(placed)
    return out


def _ucs(errors: list[EdifactError]) -> list[Segment]:
    out: list[Segment] = []
    ordered = sorted(errors, key=lambda e: e.segment_position or 0)
    for position, group in groupby(ordered, key=lambda e: e.segment_position or 0):
        here = list(group)
        whole = [e for e in here if e.element_position is None]
        out.append(_segment("UCS", str(position), whole[0].code if whole else ""))
        out += [_segment("UCD", e.code, _s011(e)) for e in here if e.element_position]
    return out


def _ucfs(interchange: EdifactInterchange, by_owner: dict[Key, list[EdifactError]]
          ) -> list[Segment]:
    out: list[Segment] = []
    for group in interchange.groups:
        own = by_owner.get((group.reference, None), [])
        inside = [m for m in interchange.messages if m.group_reference == group.reference]
        rejected = [m for m in inside if _owner_of(m) in by_owner]
        if not own and not rejected:
            continue
        action = REJECTED if own or len(rejected) == len(inside) else ACKNOWLEDGED
        out.append(_segment("UCF", group.reference, list(group.sender), list(group.recipient),
                            action, *(_detail(own[0]) if own else [])))
        out += _ucms(rejected, by_owner, group.reference)
    return out


def _detail(error: EdifactError) -> list[Element]:
    """0085 error code, 0013 service segment tag and S011 element position."""
    tag = error.segment_tag if error.segment_tag in _SERVICE_TAGS else ""
    return [error.code, tag or "", _s011(error)]


def _s011(error: EdifactError) -> Element:
    if error.element_position is None:
        return ""
    component = str(error.component_position) if error.component_position else ""
    return [str(error.element_position), component]


def _party(identifier: str, qualifier: str) -> Element:
    return [identifier, qualifier] if qualifier else identifier


def _split_id(edifact_id: str) -> tuple[str, str]:
    """A partner id may carry its qualifier, as in "5412345000013:14"."""
    identifier, _, qualifier = edifact_id.partition(":")
    return identifier, qualifier


def _ours(our: OurIdentity, their_view: str, their_qualifier: str) -> Element:
    identifier, qualifier = _split_id(our.edifact_id)
    if not qualifier and their_view == identifier:
        qualifier = their_qualifier
    return _party(identifier, qualifier)


def _text(text: str) -> list[str]:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return [safe[i:i + _TEXT_LIMIT] for i in range(0, len(safe), _TEXT_LIMIT)][:5] or [""]


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _message(identifier: list[str], body: list[Segment], reference: str = "1"
             ) -> list[Segment]:
    return [_segment("UNH", reference, identifier), *body,
            _segment("UNT", str(len(body) + 2), reference)]


def _interchange(syntax: list[str], sender: Element, recipient: Element, reference: str,
                 message: list[Segment], now: datetime | None) -> str:
    stamp = _now(now)
    day = stamp.strftime("%Y%m%d" if syntax[1] == "4" else "%y%m%d")
    segments = [_segment("UNB", syntax, sender, recipient, [day, stamp.strftime("%H%M")],
                         reference),
                *message, _segment("UNZ", "1", reference)]
    characters = Characters.from_str(OUTBOUND_CHARACTERS)
    return Serializer(characters).serialize(segments, with_una_header=True)
