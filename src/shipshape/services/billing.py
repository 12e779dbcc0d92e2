"""Invoices: issued with each shipment, posted to the ERP through the outbox, marked by its answer.

* `issue_invoice` (in the shipment's transaction): the shipped lines at the customer's contract
  price, freight and tax per `Deps.billing`; stored as `issued`, with `InvoiceIssued` in the
  outbox.
* The consumer `erp-invoice-posting` (`InvoicePostingHandler`) calls the ERP's
  `invoice_posting` outside any transaction (idempotency key: the event id). A business
  rejection marks the invoice `rejected` and opens `INVOICE_POST_FAILED`; a call that fails for
  good becomes a dead letter (replayable); an accepted call waits for the ERP's acknowledgement.
* The ERP acknowledges with its own events (it owns the invoice state): `invoice_posted` marks
  the invoice `posted` (and the order `invoiced` once every invoice of a shipped order is);
  `invoice_rejected` marks it `rejected` and opens `INVOICE_POST_FAILED`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shipshape.domain import invoicing as iv
from shipshape.domain.billing import Invoice
from shipshape.domain.cases import CaseOrigin
from shipshape.domain.catalogue import (
    DomainEvent,
    InvoiceIssued,
    InvoicePosted,
    InvoicePostRequested,
    InvoiceRejected,
    SystemCalled,
)
from shipshape.domain.errors import InvalidInput
from shipshape.domain.findings import Finding
from shipshape.domain.integration import SystemEvent
from shipshape.domain.orders import OrderStatus
from shipshape.domain.picking import OrderToPick
from shipshape.domain.shipments import ShipmentRecord
from shipshape.services.cases import OpenedCase, open_case
from shipshape.services.delivery.dead_letters import Failed
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.connectors import ConnectorError, ConnectorRejected, Connectors
from shipshape.services.ports.messaging import Message, body_of, event_type_of
from shipshape.services.status import move_order

ERP_INVOICE_POSTING = "erp-invoice-posting"
"""A posting asked again (reconciliation's repair); its body is the invoice's, like
`InvoiceIssued`."""
POSTING_EVENTS = frozenset({InvoiceIssued.TYPE, InvoicePostRequested.TYPE})
SYSTEM, OPERATION = "erp", "invoice_posting"


def issue_invoice(deps: Deps, uow: UnitOfWork, order: OrderToPick, shipment: ShipmentRecord,
                  now: datetime) -> list[DomainEvent]:
    """The shipment's invoice, stored and on its way to the ERP; none when nothing shipped."""
    if not any(line.shipped for line in shipment.lines):
        return []
    customer = uow.masterdata.customer(order.customer_id)
    if customer is None:
        raise InvalidInput(f"order {order.id}: customer {order.customer_id} is unknown; "
                           "its shipment cannot be invoiced")
    prices = uow.masterdata.prices(customer.id, {line.sku for line in shipment.lines})
    source = iv.InvoiceSource(order.id, customer, order.customer_po, order.ship_to, shipment.id,
                              shipment.lines, {ln.line_no: ln for ln in order.lines}, prices)
    invoice = iv.build_invoice(deps.new_id("inv"), source, deps.billing, now.date())
    uow.invoices.add(invoice, iv.InvoiceKind.INVOICE, None, now)
    return [InvoiceIssued(occurred_at=now, invoice=invoice)]


def issue_stored_shipment_invoice(deps: Deps, uow: UnitOfWork, order_id: str,
                                  shipment_id: str, now: datetime) -> list[DomainEvent]:
    """`issue_invoice` for a shipment stored earlier (reconciliation's repair); none when the
    order or the shipment is gone or it shipped nothing."""
    order = uow.picks.order(order_id, lock=True)
    shipment = next((s for s in uow.shipments.of_order(order_id) if s.id == shipment_id), None)
    if order is None or shipment is None:
        return []
    return issue_invoice(deps, uow, order, shipment, now)


def posting_requested(invoice: Invoice, now: datetime) -> InvoicePostRequested:
    """Ask for the posting of a stored invoice again, with the body it was issued with."""
    return InvoicePostRequested(occurred_at=now, invoice=invoice)


def open_case_for(deps: Deps, uow: UnitOfWork, order_id: str, customer_id: str,
                  value: Decimal, finding: Finding, now: datetime, source_system: str,
                  site: str | None = None) -> OpenedCase:
    customer = uow.masterdata.customer(customer_id)
    origin = CaseOrigin(order_id, customer, value, None, now, source_system=source_system,
                        site_id=site)
    return open_case(deps, uow, finding, origin)


@dataclass(frozen=True, slots=True)
class PostingRejected:
    reason: str


class InvoicePostingHandler:
    def __init__(self, deps: Deps, connectors: Connectors) -> None:
        self._deps = deps
        self._connectors = connectors

    def wants(self, message: Message) -> bool:
        return event_type_of(message) in POSTING_EVENTS

    def prepare(self, message: Message) -> object:
        try:
            return self._connectors.get(SYSTEM).call(OPERATION, body_of(message), message.id)
        except ConnectorRejected as error:
            return PostingRejected(error.reason)
        except ConnectorError as error:
            return Failed(error, error.attempts, SYSTEM, OPERATION)

    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None:
        body = body_of(message)
        invoice_id = str(body.get("invoice_id") or "")
        now = self._deps.clock.now()
        if isinstance(prepared, PostingRejected):
            reject_invoice(self._deps, uow, invoice_id, prepared.reason, "erp", now)
            return
        reply = prepared if isinstance(prepared, Mapping) else {}
        uow.events.append([SystemCalled(
            occurred_at=now, key=message.key, system=SYSTEM, operation=OPERATION,
            source_event=message.id, source_type=event_type_of(message), reply=dict(reply),
            invoice_id=invoice_id)])


def invoice_posted(deps: Deps, uow: UnitOfWork, event: SystemEvent) -> None:
    """The ERP booked the invoice: posted, its open failure case resolved, and the order
    invoiced once it has shipped everywhere and every invoice of it is posted."""
    invoice = invoice_of(uow, event)
    now = deps.clock.now()
    erp_ref = str(event.data.get("erp_ref") or "") or None
    credited = invoice.status is iv.InvoiceStatus.CREDITED
    if not credited:  # a credit note has already cancelled it; it stays credited
        uow.invoices.set_status(invoice.id, iv.InvoiceStatus.POSTED, now, erp_ref=erp_ref)
    events: list[DomainEvent] = [InvoicePosted(
        occurred_at=now, order_id=invoice.order_id, invoice_id=invoice.id, erp_ref=erp_ref,
        webhook_id=event.webhook_id, erp_total=event.data.get("total"), total=invoice.total,
        credited=credited)]
    for case_id in _open_failures(uow, invoice):
        uow.cases.resolve(case_id, "posted", "the ERP booked the invoice", "erp", now, True)
    events += _invoiced(uow, invoice.order_id, event, now)
    uow.events.append(events)


def invoice_rejected(deps: Deps, uow: UnitOfWork, event: SystemEvent) -> None:
    invoice = invoice_of(uow, event)
    reason = str(event.data.get("reason") or "no reason given")
    reject_invoice(deps, uow, invoice.id, reason, event.system, deps.clock.now(),
                   event.webhook_id)


def reject_invoice(deps: Deps, uow: UnitOfWork, invoice_id: str, reason: str, system: str,
                   now: datetime, webhook_id: str | None = None) -> None:
    """The ERP refused the posting: the invoice is `rejected`, `INVOICE_POST_FAILED` opened."""
    invoice = uow.invoices.get(invoice_id, lock=True)
    if invoice is None:
        raise InvalidInput(f"there is no invoice {invoice_id}")
    if invoice.status is iv.InvoiceStatus.CREDITED:  # replaced already: nothing to correct
        uow.events.append([InvoiceRejected(
            occurred_at=now, order_id=invoice.order_id, invoice_id=invoice.id, reason=reason,
            webhook_id=webhook_id, credited=True)])
        return
    uow.invoices.set_status(invoice.id, iv.InvoiceStatus.REJECTED, now, reason=reason)
    finding = iv.post_failed(invoice.id, invoice.shipment_id, reason, invoice.line_nos)
    order = uow.picks.order(invoice.order_id, lock=False)
    opened = open_case_for(deps, uow, invoice.order_id, invoice.customer_id,
                           order.value if order else invoice.total, finding, now, system)
    uow.events.append([
        InvoiceRejected(occurred_at=now, order_id=invoice.order_id, invoice_id=invoice.id,
                        reason=reason, webhook_id=webhook_id, case_id=opened.case.id),
        opened.event])


def invoice_of(uow: UnitOfWork, event: SystemEvent) -> iv.InvoiceRecord:
    """The invoice an ERP event names, locked; `InvalidInput` when unknown or another order's."""
    invoice_id = str(event.data.get("invoice_id") or "")
    invoice = uow.invoices.get(invoice_id, lock=True)
    if invoice is None:
        raise InvalidInput(f"{event.type}: there is no invoice {invoice_id!r}")
    if invoice.order_id != event.order_id and event.order_id is not None:
        raise InvalidInput(f"{event.type}: invoice {invoice_id} belongs to order "
                           f"{invoice.order_id}, not {event.order_id}")
    return invoice


def _open_failures(uow: UnitOfWork, invoice: iv.InvoiceRecord) -> list[str]:
    return [case_id for case_id, details
            in uow.cases.open_of_order(invoice.order_id, iv.INVOICE_POST_FAILED)
            if details.get("invoice_id") == invoice.id]


def active_invoices(uow: UnitOfWork, order_id: str) -> list[iv.InvoiceRecord]:
    """The order's invoices that stand: not credit notes, not credited."""
    return [i for i in uow.invoices.of_order(order_id)
            if i.kind is iv.InvoiceKind.INVOICE and i.status is not iv.InvoiceStatus.CREDITED]


def _invoiced(uow: UnitOfWork, order_id: str, event: SystemEvent,
              now: datetime) -> list[DomainEvent]:
    order = uow.picks.order(order_id, lock=True)
    if order is None or order.status is not OrderStatus.SHIPPED:
        return []
    if not all(i.status is iv.InvoiceStatus.POSTED for i in active_invoices(uow, order_id)):
        return []
    return [move_order(uow, order, OrderStatus.INVOICED, now, reason="every invoice posted",
                       webhook_id=event.webhook_id)]
