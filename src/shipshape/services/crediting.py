"""Crediting an invoice: the correction of what was billed after the goods left.

In one transaction, under the invoice's and the order's locks: a credit note mirroring the
invoice (same lines, freight and tax; kind `credit_note`, `credits` = the invoice) is issued,
the invoice becomes `credited`, and the shipment is invoiced again from what it shipped at
today's contract prices, so every shipment stays invoiced exactly once. `CreditNoteIssued` goes
to finance (`credit_note`, consumer `finance-credit-note`) and the new invoice to the ERP like
any other (`InvoiceIssued`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from shipshape.domain import invoicing as iv
from shipshape.domain.catalogue import CreditNoteIssued, DomainEvent, InvoiceIssued
from shipshape.domain.errors import Conflict, InvalidInput, NotFound
from shipshape.domain.reconciliation import rebuilt_invoice
from shipshape.services import perfect_order
from shipshape.services.billing import issue_stored_shipment_invoice
from shipshape.services.delivery.consume import Handler
from shipshape.services.delivery.outbound import ConnectorHandler, Route, order_mirror_payload
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.connectors import Connectors

FINANCE_CREDIT_NOTE = "finance-credit-note"
MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class CreditResult:
    invoice_id: str
    credit_note_id: str
    reissued_invoice_id: str | None

    def as_json(self) -> dict[str, object]:
        return {"invoice_id": self.invoice_id, "status": iv.InvoiceStatus.CREDITED.value,
                "credit_note_id": self.credit_note_id,
                "reissued_invoice_id": self.reissued_invoice_id}


def credit_invoice(deps: Deps, invoice_id: str, reason: str, actor: str) -> CreditResult:
    """Credit the invoice and invoice its shipment again; NotFound, or 409 for a credit note or
    an invoice credited before."""
    text = " ".join(reason.split())
    if not text or len(text) > MAX_REASON:
        raise InvalidInput(f"crediting an invoice needs a reason of 1 to {MAX_REASON} "
                           "characters")
    with deps.uow() as uow:
        result = _credit(deps, uow, invoice_id, text, actor, deps.clock.now())
        uow.commit()
    return result


def _credit(deps: Deps, uow: UnitOfWork, invoice_id: str, reason: str, actor: str,
            now: datetime) -> CreditResult:
    invoice = uow.invoices.get(invoice_id, lock=True)
    if invoice is None:
        raise NotFound(f"there is no invoice {invoice_id}")
    if invoice.kind is iv.InvoiceKind.CREDIT_NOTE:
        raise Conflict(f"{invoice_id} is a credit note; it cannot be credited")
    if invoice.status is iv.InvoiceStatus.CREDITED:
        raise Conflict(f"invoice {invoice_id} was credited before")
    stored = uow.reconciliation.stored_invoice(invoice_id)
    if stored is None:
        raise NotFound(f"there is no invoice {invoice_id}")
    order = uow.picks.order(invoice.order_id, lock=True)
    customer = uow.masterdata.customer(invoice.customer_id)
    original = rebuilt_invoice(stored, order, customer, deps.billing.seller)
    note = replace(original, number=deps.new_id("crn"), invoice_date=now.date())
    uow.invoices.add(note, iv.InvoiceKind.CREDIT_NOTE, invoice.id, now)
    uow.invoices.set_status(invoice.id, iv.InvoiceStatus.CREDITED, now, reason=reason)
    events: list[DomainEvent] = [CreditNoteIssued(
        occurred_at=now, note=note, credits=invoice.id, reason=reason, actor=actor)]
    if invoice.shipment_id:
        events += issue_stored_shipment_invoice(deps, uow, invoice.order_id,
                                                invoice.shipment_id, now)
    if order is not None:
        perfect_order.refresh(uow, order, now)  # no longer invoiced accurately
    uow.events.append(events)
    reissued = next((e.invoice.number for e in events if isinstance(e, InvoiceIssued)), None)
    return CreditResult(invoice.id, note.number, reissued)


CREDIT_NOTE = Route(frozenset({CreditNoteIssued.TYPE}), "finance", "credit_note",
                    order_mirror_payload)
"""Credit notes go to finance, with the whole note as the body."""


def crediting_handlers(deps: Deps, connectors: Connectors) -> dict[str, Handler]:
    return {FINANCE_CREDIT_NOTE: ConnectorHandler(deps, connectors, CREDIT_NOTE)}


def credit_quantities(deps: Deps, uow: UnitOfWork, order_id: str, shipment_id: str,
                      quantities: Mapping[int, int], reason: str, actor: str,
                      now: datetime) -> CreditNoteIssued:
    """A credit note for part of a shipment's invoice in force (`quantities`: line -> units,
    e.g. what arrived damaged or short), at the invoiced unit prices with the invoice's tax in
    proportion and no freight; the invoice itself stands (it billed what shipped). Conflict
    when the shipment has no invoice in force or a line asks more than it has left to credit
    (what it billed less what any credit note took back of it, a return's included)."""
    invoice = next((i for i in uow.invoices.of_order(order_id)
                    if i.shipment_id == shipment_id and i.kind is iv.InvoiceKind.INVOICE
                    and i.status is not iv.InvoiceStatus.CREDITED), None)
    stored = uow.reconciliation.stored_invoice(invoice.id) if invoice else None
    if invoice is None or stored is None:
        raise Conflict(f"shipment {shipment_id} has no invoice in force to credit")
    billed = {ln.line_no: ln for ln in stored.lines}
    credited = {i.line_no: i.credited for i in uow.returns.invoiced({shipment_id})
                if i.invoice_id == invoice.id}
    lines = []
    for line_no, units in sorted(quantities.items()):
        line = billed.get(line_no)
        left = line.quantity - credited.get(line_no, 0) if line else 0
        if line is None or units > left:
            raise Conflict(f"invoice {invoice.id} has {left} of line {line_no} left to credit, "
                           f"not {units}")
        if units:
            lines.append(replace(line, quantity=units))
    if not lines:
        raise InvalidInput("nothing to credit: every quantity is 0")
    subtotal = sum((ln.unit_price * ln.quantity for ln in stored.lines), Decimal(0))
    part = sum((ln.unit_price * ln.quantity for ln in lines), Decimal(0))
    tax = (stored.tax * part / subtotal).quantize(Decimal("0.01")) if subtotal else Decimal(0)
    order = uow.picks.order(order_id, lock=True)
    customer = uow.masterdata.customer(invoice.customer_id)
    original = rebuilt_invoice(stored, order, customer, deps.billing.seller)
    note = replace(original, number=deps.new_id("crn"), invoice_date=now.date(),
                   lines=tuple(lines), freight=Decimal(0), tax=tax)
    uow.invoices.add(note, iv.InvoiceKind.CREDIT_NOTE, invoice.id, now)
    if order is not None:
        perfect_order.refresh(uow, order, now)
    return CreditNoteIssued(occurred_at=now, note=note, credits=invoice.id, reason=reason,
                            actor=actor)
