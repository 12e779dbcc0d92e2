"""Crediting an invoice: the correction of what was billed after the goods left.

In one transaction, under the invoice's and the order's locks: a credit note mirroring the
invoice (same lines, freight and tax; kind `credit_note`, `credits` = the invoice) is issued,
the invoice becomes `credited`, and the shipment is invoiced again from what it shipped at
today's contract prices, so every shipment stays invoiced exactly once. `CreditNoteIssued` goes
to finance (`credit_note`, consumer `finance-credit-note`) and the new invoice to the ERP like
any other (`InvoiceIssued`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from shipshape.domain import invoicing as iv
from shipshape.domain.catalogue import CreditNoteIssued, DomainEvent, InvoiceIssued
from shipshape.domain.errors import Conflict, InvalidInput, NotFound
from shipshape.domain.reconciliation import rebuilt_invoice
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
    uow.events.append(events)
    reissued = next((e.invoice.number for e in events if isinstance(e, InvoiceIssued)), None)
    return CreditResult(invoice.id, note.number, reissued)


CREDIT_NOTE = Route(frozenset({CreditNoteIssued.TYPE}), "finance", "credit_note",
                    order_mirror_payload)
"""Credit notes go to finance, with the whole note as the body."""


def crediting_handlers(deps: Deps, connectors: Connectors) -> dict[str, Handler]:
    return {FINANCE_CREDIT_NOTE: ConnectorHandler(deps, connectors, CREDIT_NOTE)}
