"""ORDRSP answering an ORDCHG (the order change's response), and the ORDCHGs of an interchange.

BGM+231 (purchase order response), the partner's control number as document number, 1225
message function: 29 accepted without amendment (applied), 4 change (partly applied), 6
confirmation with 4343 AB (received, held for customer service), 27 not accepted (refused);
DTM+137; RFF+ON the PO (and RFF+BO with the release); FTX+AAO the reason when held or refused.
Per line: LIN with 1229 5 accepted, 2 deleted, 4 no action (held), 7 not accepted, the item;
QTY+21 the line's quantity after the change; FTX+AAO the reason of a line not taken.
Written with pydifact's serializer (UNA, UNOC:3), numbered from the partner's counter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydifact.constants import Element
from pydifact.control.characters import Characters
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from shipshape.adapters.channels.edifact.model import EdifactMessage
from shipshape.adapters.channels.edifact.ordchg import change_from_ordchg
from shipshape.adapters.channels.edifact.writer import seg as _segment
from shipshape.domain import edi_changes as ec
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.services.edi_intake import Allocate, OutboundDocument

MESSAGE_FUNCTION = {ec.Outcome.APPLIED: ("29", ""), ec.Outcome.PARTLY_APPLIED: ("4", ""),
                    ec.Outcome.HELD_FOR_DESK: ("6", "AB"), ec.Outcome.REFUSED: ("27", "")}
LINE_ACTION = {ec.Verdict.ACCEPTED: "5", ec.Verdict.DELETED: "2", ec.Verdict.HELD: "4",
               ec.Verdict.REJECTED: "7"}
TEXT_LIMIT, TEXT_PARTS, ID_LIMIT = 70, 5, 35


def build_ordrsp_change(outcome: ec.ChangeOutcome, message_ref: str, partner: TradingPartner,
                        our: OurIdentity, control_number: int, at: datetime) -> str:
    """The ORDRSP answering one ORDCHG (message `message_ref`) under `control_number`."""
    request = outcome.request
    function, response = MESSAGE_FUNCTION[outcome.outcome]
    reference = str(control_number)
    body = [_segment("BGM", "231", reference, function, response),
            _segment("DTM", ["137", at.strftime("%Y%m%d%H%M"), "203"])]
    body += _references(request, message_ref)
    if outcome.outcome in (ec.Outcome.HELD_FOR_DESK, ec.Outcome.REFUSED):
        body.append(_ftx(outcome.reason))
    for number, verdict in enumerate(outcome.lines, start=1):
        body += _line(number, verdict)
    if outcome.lines:
        body += [_segment("UNS", "S"), _segment("CNT", ["2", str(len(outcome.lines))])]
    message = [_segment("UNH", reference, ["ORDRSP", "D", "96A", "UN"]), *body,
               _segment("UNT", str(len(body) + 2), reference)]
    sender, recipient = _party(our.edifact_id), _party(partner.edifact_id)
    segments = [_segment("UNB", ["UNOC", "3"], sender, recipient,
                         [at.strftime("%y%m%d"), at.strftime("%H%M")], reference),
                *message, _segment("UNZ", "1", reference)]
    return Serializer(Characters.from_str(":+.? '")).serialize(segments, with_una_header=True)


def _references(request: ec.ChangeRequest, message_ref: str) -> list[Segment]:
    if request.release:
        refs = [_segment("RFF", ["BO", _id(request.po_number)]),
                _segment("RFF", ["ON", _id(request.release)])]
    else:
        refs = [_segment("RFF", ["ON", _id(request.po_number)])]
    return [*refs, _segment("RFF", ["ACW", _id(message_ref)])]


def _line(number: int, verdict: ec.LineVerdict) -> list[Segment]:
    ask = verdict.ask
    item: Element = ""
    if ask.item_ids:
        qualifier, value = ask.item_ids[0]
        item = [_id(value), _id(qualifier)]
    lin = _segment("LIN", str(ask.line_no) if ask.line_no is not None else str(number),
                   LINE_ACTION[verdict.verdict], item)
    segments = [lin]
    if verdict.quantity is not None:
        segments.append(_segment("QTY", ["21", str(verdict.quantity), _id(ask.uom or "")]))
    if verdict.reason:
        segments.append(_ftx(verdict.reason))
    return segments


def _ftx(text: str) -> Segment:
    safe = ec.printable(text, TEXT_LIMIT * TEXT_PARTS).encode("latin-1", "replace")
    value = safe.decode("latin-1")
    parts = [value[i:i + TEXT_LIMIT] for i in range(0, len(value), TEXT_LIMIT)] or ["-"]
    return _segment("FTX", "AAO", "", "", parts)


def _id(value: str) -> str:
    return ec.printable(value, ID_LIMIT).encode("latin-1", "replace").decode("latin-1")


def _party(edifact_id: str) -> Element:
    identifier, _, qualifier = edifact_id.partition(":")
    return [identifier, qualifier] if qualifier else identifier


@dataclass
class EdifactChanges:
    """The ORDCHG messages of one interchange, as they are read, and their ORDRSPs."""

    taken: list[tuple[ec.ChangeRequest, str]] = field(default_factory=list)

    def take(self, message: EdifactMessage) -> None:
        self.taken.append((change_from_ordchg(message), message.reference))

    def requests(self) -> list[ec.ChangeRequest]:
        return [request for request, _ in self.taken]

    def answers(self, partner: TradingPartner, outcomes: Sequence[ec.ChangeOutcome],
                allocate: Allocate, our: OurIdentity, at: datetime) -> list[OutboundDocument]:
        if not partner.wants("ORDRSP"):
            return []
        documents = []
        for (_, message_ref), outcome in zip(self.taken, outcomes, strict=True):
            control = allocate("interchange")
            text = build_ordrsp_change(outcome, message_ref, partner, our, control, at)
            documents.append(OutboundDocument("ORDRSP", str(control), text))
        return documents
