"""The 855 (or ORDRSP) sent again when an order's answer changes after intake.

An order taken from an 850 / ORDERS is answered at intake with each line's own outcome. Held
there (IH, IB...), it may be taken later: the desk releases the hold, approves a split,
re-sources, substitutes or cancels a line, stock arrives, the credit hold is lifted (each an
`OrderAccepted` from held); or it is cancelled (`OrderCancelled`). The consumer `edi-documents`
then answers the partner that sent the order again, when its profile wants the 855 (X12) or
the ORDRSP (EDIFACT): each line's outcome now (`domain.order_response.revised_response`:
reserved, IA / IQ / IS with the ship date; cancelled, IR), stored under the partner's next
control number with `OrderResponseSent` on the order, in the transaction that writes the inbox
row, so a redelivered event sends nothing twice.

A cancellation the partner asked for itself (860, 850 BEG01 `01`, ORDCHG) is answered by the
865 / ORDRSP of that change and gets no second answer. An order whose interchange is no longer
stored (purged) gets `EdiDocumentNotSent`; one the writer cannot make (a value too long for
EDIFACT) `EdiDocumentFailed` and an `EDI_DOCUMENT_FAILED` case, using up no control number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from shipshape.domain import edi_changes as ec
from shipshape.domain import edi_outbound as eo
from shipshape.domain import order_response as orr
from shipshape.domain.cases import CaseOrigin, Stage
from shipshape.domain.catalogue import (
    EdiDocumentFailed,
    EdiDocumentNotSent,
    OrderAccepted,
    OrderCancelled,
    OrderResponseSent,
)
from shipshape.domain.errors import InvalidInput
from shipshape.domain.orders import OrderLine, OrderStatus
from shipshape.domain.partners import CONTROL_COUNTER, TradingPartner
from shipshape.services.cases import open_case
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.messaging import Message, body_of, event_type_of

X12, EDIFACT = "x12", "edifact"
"""The standards an order came by, as the interchange log names them."""
DOCUMENTS = {X12: "855", EDIFACT: "ORDRSP"}
ANSWERED = frozenset({OrderAccepted.TYPE, OrderCancelled.TYPE})


@dataclass(frozen=True, slots=True)
class InboundOrder:
    """An order taken from a partner's interchange: as it stands now, and as it was sent."""

    order_id: str
    customer_id: str
    value: Decimal
    customer_po: str | None
    release_number: str | None
    requested_ship_date: date | None
    lines: tuple[OrderLine, ...]
    partner: TradingPartner
    """The partner whose interchange carried the order."""
    standard: str
    external_id: str
    """The order's id in the interchange (X12 `ISA13-GS06-ST02`, EDIFACT `UNB-UNH`)."""
    interchange: str | None
    """The stored interchange; None when it is no longer stored."""
    sent: tuple[orr.OrderedLine, ...] = ()
    """The lines as the partner sent them (empty: the interchange could not be read)."""

    @property
    def document(self) -> str:
        return DOCUMENTS.get(self.standard, self.standard)


class InboundOrders(Protocol):
    def inbound_order(self, order_id: str) -> InboundOrder | None:
        """The order as its partner sent it; None for an order that came by no interchange."""
        ...


class OrderResponseWriter(Protocol):
    def order_response(self, response: orr.OrderResponse, inbound: InboundOrder,
                       control_number: int, when: datetime) -> str:
        """The 855 (ORDRSP) answering `inbound` again; `InvalidInput` when it cannot be made."""
        ...


@dataclass(frozen=True, slots=True)
class ResponseJob:
    inbound: InboundOrder
    answers: str
    """The type of the event answered."""

    @property
    def cancelled(self) -> bool:
        return self.answers == OrderCancelled.TYPE


def response_job(source: InboundOrders, message: Message) -> ResponseJob | None:
    """The order to answer again, or None: intake answered it already (accepted at intake),
    the partner asked for the cancellation, it came by no interchange, or its partner does
    not want the document. Told apart by the event before anything is read."""
    answers, body = event_type_of(message), body_of(message)
    if answers == OrderAccepted.TYPE and body.get("from") != OrderStatus.HELD.value:
        return None
    if answers == OrderCancelled.TYPE and str(body.get("actor") or "").startswith(
            f"{ec.ACTOR}:"):
        return None
    inbound = source.inbound_order(message.key)
    if inbound is None or not inbound.partner.wants(inbound.document):
        return None
    return ResponseJob(inbound, answers)


def revised(inbound: InboundOrder, cancelled: bool, today: date) -> orr.OrderResponse:
    """Each line's outcome now; what is reserved ships on the later of the requested ship
    date and today, as at intake."""
    now = {line.line_no: orr.OrderedLine(line.line_no, line.sku, line.quantity or 0)
           for line in inbound.lines}
    requested = inbound.requested_ship_date
    ship_on = max(requested, today) if requested else today
    return orr.revised_response(inbound.order_id, inbound.customer_po, inbound.release_number,
                                inbound.sent, now, cancelled, ship_on)


class LaterResponses:
    """Sends the answer of a `ResponseJob` by the writer of its standard."""

    def __init__(self, deps: Deps, writers: Mapping[str, OrderResponseWriter | None]) -> None:
        self._deps = deps
        self._writers = writers

    def apply(self, uow: UnitOfWork, message: Message, job: ResponseJob) -> None:
        now = self._deps.clock.now()
        inbound = job.inbound
        writer = self._writers.get(inbound.standard)
        if writer is None or not inbound.sent:
            uow.events.append([_not_sent(inbound, writer is None, now)])
            return
        response = revised(inbound, job.cancelled, now.date())
        try:
            writer.order_response(response, inbound, 1, now)
        except InvalidInput as error:
            self._failed(uow, inbound, str(error), message.id, now)
            return
        partner = inbound.partner
        control = uow.edi.next_control_number(partner.id, CONTROL_COUNTER)
        text = writer.order_response(response, inbound, control, now)
        uow.edi.store_document(partner.id, "out", inbound.document, str(control), None, text,
                               now)
        uow.events.append([OrderResponseSent(
            occurred_at=now, order_id=inbound.order_id, partner=partner.id,
            control_number=control, source_event=message.id, answers=job.answers,
            response=response.response_type.value, document=inbound.document)])

    def _failed(self, uow: UnitOfWork, inbound: InboundOrder, reason: str, source_event: str,
                now: datetime) -> None:
        partner, document = inbound.partner.id, inbound.document
        finding = eo.document_failed(document, partner, reason,
                                     [line.line_no for line in inbound.sent],
                                     source_event=source_event)
        origin = CaseOrigin(inbound.order_id, uow.masterdata.customer(inbound.customer_id),
                            inbound.value, None, now, source_system="shipshape")
        opened = open_case(self._deps, uow, finding, origin, stage=Stage.CAPTURE.value)
        uow.events.append([
            EdiDocumentFailed(occurred_at=now, order_id=inbound.order_id, document=document,
                              partner=partner, reason=reason, case_id=opened.case.id,
                              shipment_id=None),
            opened.event])


def _not_sent(inbound: InboundOrder, no_writer: bool, now: datetime) -> EdiDocumentNotSent:
    if no_writer:
        why = f"no {inbound.standard} writer is configured for the {inbound.document}"
    elif inbound.interchange is None:
        why = "the interchange that carried the order is no longer stored"
    else:
        why = "the order is not found in the interchange that carried it"
    partner = inbound.partner.id
    return EdiDocumentNotSent(
        occurred_at=now, order_id=inbound.order_id, document=inbound.document,
        partner=partner, standard=inbound.standard.upper(),
        reason=f"partner {partner}: {why}; the {inbound.document} was not sent",
        shipment_id=None)
