"""The 865 purchase order change acknowledgement, and the change requests of an interchange.

BCA: BCA01 the request's purpose echoed (01 cancellation, 04 change, 05 replace), BCA02 the
acknowledgement type (AT accepted, AC accepted with detail and change, AH held for review, RJ
rejected), BCA03 PO number, BCA04 release number, BCA06 date. A header N9*L1 + MSG states the
reason when the request is held or refused. Per line: POC as asked, ACK (IA accepted, ID item
deleted, IH on hold, IR rejected) with the line's quantity after the change, and MSG with the
reason of a line not taken. The 865 goes back in the envelope the request came in (GS01 CA).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from shipshape.adapters.channels.x12.acks import SetResult
from shipshape.adapters.channels.x12.model import Segment, TransactionSet
from shipshape.adapters.channels.x12.po860 import TakenChange, is_change, take_change
from shipshape.adapters.channels.x12.writer import (
    Reply,
    clean,
    echo,
    functional_group,
    interchange,
    x12_date,
    x12_decimal,
)
from shipshape.domain import edi_changes as ec
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.services.edi_intake import Allocate, OutboundDocument

BCA02 = {ec.Outcome.APPLIED: "AT", ec.Outcome.PARTLY_APPLIED: "AC",
         ec.Outcome.HELD_FOR_DESK: "AH", ec.Outcome.REFUSED: "RJ"}
ACK01 = {ec.Verdict.ACCEPTED: "IA", ec.Verdict.DELETED: "ID", ec.Verdict.HELD: "IH",
         ec.Verdict.REJECTED: "IR"}
MSG_LIMIT = 264
"""MSG01 (element 933) holds at most 264 characters."""


def build_865(taken: TakenChange, outcome: ec.ChangeOutcome, control_number: int,
              our: OurIdentity, at: datetime) -> str:
    """The 865 answering one change request."""
    reply = Reply.to_envelope(taken.transaction_set.envelope)
    request = outcome.request
    body: list[Segment] = [["BCA", request.purpose_code, BCA02[outcome.outcome],
                            request.po_number, request.release, "",
                            x12_date(at, reply.version)]]
    if outcome.outcome in (ec.Outcome.HELD_FOR_DESK, ec.Outcome.REFUSED):
        body += [["N9", "L1", "REASON"], _msg(outcome.reason, reply)]
    for verdict in outcome.lines:
        body += _poc_loop(verdict, reply)
    body.append(["CTT", str(len(outcome.lines))])
    content = functional_group(reply, our, control_number, at, "CA",
                               [("865", echo(body, reply.separators))])
    return interchange(reply, our, control_number, at, content, groups=1)


def _poc_loop(verdict: ec.LineVerdict, reply: Reply) -> list[Segment]:
    ask = verdict.ask
    ids = [value for pair in ask.item_ids for value in pair]
    poc = ["POC", "" if ask.line_no is None else str(ask.line_no), ask.code,
           x12_decimal(ask.quantity), "", ask.uom or "", x12_decimal(ask.unit_price), "", *ids]
    segments: list[Segment] = [poc, ["ACK", ACK01[verdict.verdict],
                                     x12_decimal(verdict.quantity),
                                     (ask.uom or "EA") if verdict.quantity is not None else ""]]
    if verdict.reason:
        segments.append(_msg(verdict.reason, reply))
    return segments


def _msg(text: str, reply: Reply) -> Segment:
    return ["MSG", clean(text, reply.separators, MSG_LIMIT) or "-"]


@dataclass
class X12Changes:
    """The change requests of one interchange, as its sets are read, and their answers."""

    taken: list[TakenChange] = field(default_factory=list)
    known: Callable[[str, str], bool] | None = None
    """Whether the customer has a PO (and release) already (`consult`)."""

    def wants(self, ts: TransactionSet) -> bool:
        return is_change(ts, self.known)

    def take(self, ts: TransactionSet, partner: TradingPartner, received: date,
             importable: bool) -> SetResult:
        change, result = take_change(ts, partner, received, importable)
        self.taken.append(change)
        return result

    def requests(self) -> list[ec.ChangeRequest]:
        return [t.request for t in self.taken]

    def answers(self, partner: TradingPartner, outcomes: Sequence[ec.ChangeOutcome],
                allocate: Allocate, our: OurIdentity, at: datetime) -> list[OutboundDocument]:
        if not partner.wants("865"):
            return []
        documents = []
        for taken, outcome in zip(self.taken, outcomes, strict=True):
            control = allocate("interchange")
            documents.append(OutboundDocument(
                "865", str(control), build_865(taken, outcome, control, our, at)))
        return documents
