"""The 856 ship notice and the 810 invoice (DESADV and INVOIC), sent to customers that trade
with us by X12 (or EDIFACT); and the 855 (ORDRSP) of an order whose answer changed after intake
(`OrderAccepted` from held, `OrderCancelled`: `services/edi_later_responses.py`).

The consumer `edi-documents` takes `ShipmentConfirmed` and `InvoiceIssued`. `prepare` reads the
stored shipment or invoice and the customer's trading partners (committed facts that no longer
change, so they are read outside the transaction, through `EdiDocumentSource`); `apply` numbers,
builds and stores the document in the transaction that writes the inbox row, so a redelivered
event sends nothing twice. Per customer:

* no trading partner (or a shipment of nothing): nothing;
* an X12 partner (it has an ISA id): the document is stored as outbound in `edi_documents`,
  under the partner's next interchange control number, with `AsnSent` / `EdiInvoiceSent` on the
  order;
* else an EDIFACT partner (an `edifact_id`): the same, as a DESADV / INVOIC (`document` on the
  event), numbered from the same counter (UNB and UNH references);
* a partner with neither id (or EDIFACT without an EDIFACT writer): `EdiDocumentNotSent`;
* master data that cannot make a valid document (no customer PO, an invalid GTIN, a carrier code
  that is not a SCAC...): `EdiDocumentFailed` and an `EDI_DOCUMENT_FAILED` case, no error, so the
  consumer goes on. The document is tried once with placeholder numbers first, so a failure uses
  up no control number or SSCC serial.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shipshape.domain import edi_outbound as eo
from shipshape.domain.billing import Invoice
from shipshape.domain.cases import CaseOrigin, Stage
from shipshape.domain.catalogue import (
    AsnSent,
    EdiDocumentFailed,
    EdiDocumentNotSent,
    EdiInvoiceSent,
    InvoiceIssued,
    ShipmentConfirmed,
)
from shipshape.domain.errors import InvalidInput, NotFound
from shipshape.domain.partners import CONTROL_COUNTER, TradingPartner
from shipshape.domain.shipping import Shipment, sscc
from shipshape.services.cases import open_case
from shipshape.services.delivery.consume import Handler
from shipshape.services.deps import Deps
from shipshape.services.edi_later_responses import (
    ANSWERED,
    EDIFACT,
    X12,
    InboundOrders,
    LaterResponses,
    OrderResponseWriter,
    ResponseJob,
    response_job,
)
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.messaging import Message, body_of, event_type_of

EDI_DOCUMENTS = "edi-documents"
SSCC_COUNTER = "sscc"


class EdiDocumentWriter(OrderResponseWriter, Protocol):
    """Turns documents into X12 (or EDIFACT) text for a partner; `InvalidInput` when the
    data cannot be sent."""

    def ship_notice(self, shipment: Shipment, partner: TradingPartner, control_number: int,
                    when: datetime) -> str: ...

    def invoice(self, invoice: Invoice, partner: TradingPartner, control_number: int,
                when: datetime) -> str: ...


class EdiDocumentSource(InboundOrders, Protocol):
    """Committed facts the documents are made of."""

    def partners_of_order(self, order_id: str) -> list[TradingPartner]:
        """The trading partners of the order's customer (none for an unknown order)."""
        ...

    def shipment(self, shipment_id: str) -> eo.ShipmentFacts | None: ...

    def invoice(self, invoice_id: str) -> eo.InvoiceFacts | None: ...


@dataclass(frozen=True, slots=True)
class SsccScheme:
    """How package serial codes are made: our GS1 company prefix and extension digit. Serials
    come from one counter per company prefix, as an SSCC must be unique for the prefix."""

    company_prefix: str
    extension: int = 0

    @property
    def counter_owner(self) -> str:
        return f"gs1:{self.company_prefix}"

    def code(self, serial: int) -> str:
        return sscc(self.extension, self.company_prefix, serial)


@dataclass(frozen=True, slots=True)
class Numbers:
    control: int
    sscc: str | None = None
    ssccs: tuple[str, ...] = ()
    """Our SSCCs for the cartons the WMS did not label, in carton order (`sscc`: the first)."""


@dataclass(frozen=True, slots=True)
class _Job:
    """One document to send: its facts, what it is about, and the partners it could go to."""

    doc_type: str
    facts: eo.ShipmentFacts | eo.InvoiceFacts
    partners: tuple[TradingPartner, ...]

    @property
    def is_asn(self) -> bool:
        return isinstance(self.facts, eo.ShipmentFacts)

    @property
    def subject(self) -> dict[str, object]:
        if isinstance(self.facts, eo.ShipmentFacts):
            return {"shipment_id": self.shipment_id}
        return {"invoice_id": self.invoice_id, "shipment_id": self.shipment_id}

    @property
    def shipment_id(self) -> str | None:
        if isinstance(self.facts, eo.ShipmentFacts):
            return self.facts.shipment.id
        return self.facts.shipment_id

    @property
    def invoice_id(self) -> str | None:
        return None if isinstance(self.facts, eo.ShipmentFacts) else self.facts.number

    @property
    def line_nos(self) -> tuple[int, ...]:
        if isinstance(self.facts, eo.ShipmentFacts):
            return tuple(line.line_no for line in self.facts.shipment.lines if line.shipped)
        return tuple(line.line_no for line in self.facts.lines)


EDIFACT_NAMES = {"856": "DESADV", "810": "INVOIC"}


class EdiDocumentHandler:
    def __init__(self, deps: Deps, writer: EdiDocumentWriter, source: EdiDocumentSource,
                 sscc_scheme: SsccScheme, edifact: EdiDocumentWriter | None = None) -> None:
        self._deps = deps
        self._writer = writer
        self._edifact = edifact
        self._source = source
        self._sscc = sscc_scheme
        self._later = LaterResponses(deps, {X12: writer, EDIFACT: edifact})

    def wants(self, message: Message) -> bool:
        return event_type_of(message) in (ShipmentConfirmed.TYPE, InvoiceIssued.TYPE, *ANSWERED)

    def prepare(self, message: Message) -> object:
        """The job, or None when there is nothing to send (no EDI partner, nothing shipped).
        Most customers have no partner: that is asked first (the message is keyed by its order),
        before the document's facts are read."""
        if event_type_of(message) in ANSWERED:
            return response_job(self._source, message)
        partners = tuple(self._source.partners_of_order(message.key))
        if not partners:
            return None
        facts = self._facts(message)
        if isinstance(facts, eo.ShipmentFacts) and not facts.shipped_anything:
            return None
        doc_type = "856" if isinstance(facts, eo.ShipmentFacts) else "810"
        return _Job(doc_type, facts, partners)

    def _facts(self, message: Message) -> eo.ShipmentFacts | eo.InvoiceFacts:
        body = body_of(message)
        facts: eo.ShipmentFacts | eo.InvoiceFacts | None
        if event_type_of(message) == ShipmentConfirmed.TYPE:
            facts = self._source.shipment(str(body.get("shipment_id") or ""))
        else:
            facts = self._source.invoice(str(body.get("invoice_id") or ""))
        if facts is None:
            raise NotFound(f"{event_type_of(message)} {message.id}: its shipment or invoice "
                           "is not stored")
        return facts

    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None:
        if isinstance(prepared, ResponseJob):
            self._later.apply(uow, message, prepared)
            return
        if not isinstance(prepared, _Job):
            return
        now = self._deps.clock.now()
        route = self._route(prepared)
        if route is None:
            uow.events.append([_not_sent(prepared, prepared.partners[0], now)])
            return
        partner, writer, document = route
        try:
            self._compose(prepared, partner, self._placeholder(prepared), now, writer)
        except InvalidInput as error:
            self._failed(uow, prepared, partner, str(error), message.id, now, document)
            return
        numbers = self._numbers(uow, prepared, partner)
        text = self._compose(prepared, partner, numbers, now, writer)
        uow.edi.store_document(partner.id, "out", document, str(numbers.control),
                               None, text, now)
        uow.events.append([_sent(prepared, partner, numbers, message.id, now, document)])

    def _route(self, job: _Job) -> tuple[TradingPartner, EdiDocumentWriter, str] | None:
        """The partner, writer and document name: an X12 partner first (856 / 810), else an
        EDIFACT one (DESADV / INVOIC); None when no partner can take the document."""
        for partner in job.partners:
            if partner.isa_id:
                return partner, self._writer, job.doc_type
        for partner in job.partners:
            if partner.edifact_id and self._edifact is not None:
                return partner, self._edifact, EDIFACT_NAMES[job.doc_type]
        return None

    def _placeholder(self, job: _Job) -> Numbers:
        codes = tuple(self._sscc.code(n) for n in range(_ssccs_needed(job)))
        return Numbers(1, codes[0] if codes else None, codes)

    def _numbers(self, uow: UnitOfWork, job: _Job, partner: TradingPartner) -> Numbers:
        control = uow.edi.next_control_number(partner.id, CONTROL_COUNTER)
        if not job.is_asn:
            return Numbers(control)
        codes = tuple(self._sscc.code(uow.edi.next_control_number(self._sscc.counter_owner,
                                                                  SSCC_COUNTER))
                      for _ in range(_ssccs_needed(job)))
        return Numbers(control, codes[0] if codes else None, codes)

    def _compose(self, job: _Job, partner: TradingPartner, numbers: Numbers,
                 now: datetime, writer: EdiDocumentWriter) -> str:
        facts = job.facts
        if isinstance(facts, eo.ShipmentFacts):
            shipment = eo.asn_shipment(facts, numbers.ssccs)
            return writer.ship_notice(shipment, partner, numbers.control, now)
        invoice = eo.edi_invoice(facts, self._deps.billing.seller)
        return writer.invoice(invoice, partner, numbers.control, now)

    def _failed(self, uow: UnitOfWork, job: _Job, partner: TradingPartner, reason: str,
                source_event: str, now: datetime, document: str) -> None:
        order, facts = job.facts.order, job.facts
        finding = eo.document_failed(document, partner.id, reason, job.line_nos,
                                     source_event=source_event, **job.subject)
        site = facts.shipment.site if isinstance(facts, eo.ShipmentFacts) else None
        origin = CaseOrigin(order.id, facts.customer, order.value, None, now,
                            source_system="shipshape", site_id=site)
        opened = open_case(self._deps, uow, finding, origin,
                           stage=None if job.is_asn else Stage.INVOICE.value)
        uow.events.append([
            EdiDocumentFailed(occurred_at=now, order_id=order.id, document=document,
                              partner=partner.id, reason=reason, case_id=opened.case.id,
                              shipment_id=job.shipment_id, invoice_id=job.invoice_id),
            opened.event])


def _ssccs_needed(job: _Job) -> int:
    """One SSCC of ours per carton the WMS did not label."""
    return job.facts.ssccs_needed if isinstance(job.facts, eo.ShipmentFacts) else 0


def _sent(job: _Job, partner: TradingPartner, numbers: Numbers, source_event: str,
          now: datetime, document: str) -> AsnSent | EdiInvoiceSent:
    """`AsnSent` for a ship notice, `EdiInvoiceSent` for an invoice."""
    facts = job.facts
    if isinstance(facts, eo.ShipmentFacts):
        return AsnSent(occurred_at=now, order_id=facts.order.id, partner=partner.id,
                       control_number=numbers.control, source_event=source_event,
                       shipment_id=facts.shipment.id, sscc=numbers.sscc, document=document)
    return EdiInvoiceSent(occurred_at=now, order_id=facts.order.id, partner=partner.id,
                          control_number=numbers.control, source_event=source_event,
                          invoice_id=facts.number, shipment_id=facts.shipment_id,
                          document=document)


def _not_sent(job: _Job, partner: TradingPartner, now: datetime) -> EdiDocumentNotSent:
    if partner.edifact_id:
        standard, why = "EDIFACT", (f"trades by EDIFACT only and no EDIFACT writer is "
                                    f"configured for the {EDIFACT_NAMES[job.doc_type]}")
    else:
        standard, why = "none", "has neither an X12 nor an EDIFACT id"
    return EdiDocumentNotSent(
        occurred_at=now, order_id=job.facts.order.id, document=job.doc_type,
        partner=partner.id, standard=standard,
        reason=f"partner {partner.id} {why}; the {job.doc_type} was not sent",
        shipment_id=job.shipment_id, invoice_id=job.invoice_id)


def edi_document_handlers(deps: Deps, writer: EdiDocumentWriter, source: EdiDocumentSource,
                          sscc_scheme: SsccScheme, edifact: EdiDocumentWriter | None = None
                          ) -> dict[str, Handler]:
    """The consumer a worker runs for outbound EDI documents, by name; `writer` writes X12,
    `edifact` EDIFACT."""
    return {EDI_DOCUMENTS: EdiDocumentHandler(deps, writer, source, sscc_scheme, edifact)}
