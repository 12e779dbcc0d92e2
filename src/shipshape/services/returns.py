"""Returns (RMA): authorising a return of shipped units, and applying the WMS's receipt.

For the rules see `domain/returns.py`. Authorising runs under the order's lock (PostgreSQL; the
writer lock on SQLite), so two requests for one order are taken one after the other and never
authorise the same units twice; with an `Idempotency-Key` a repeated request answers the first
answer and writes nothing. `ReturnAuthorised` goes to the WMS (`wms-return-expected`).

The WMS's `return_received` (owned by the WMS: state `return_receipt`) is applied once per
return, in the transaction that records it: good units back to available stock, damaged ones
to quarantine, scrapped ones to scrap (a stock movement each); one credit note per invoice the
accepted units were billed on (`CreditNoteIssued` naming the return, to finance through the
outbox); a `RETURN_DISPUTED` case for customer service when the receipt differs from the
authorisation.

The desk settles a dispute in the customer's favour (`credit` on the case, `settle_dispute`, in
the desk's transaction under the order's and the case's locks, then the return's): the units
the receipt booked and no credit covers are credited like the receipt's (the invoiced price
less the restocking fee of the return's reason, tax in proportion, no freight, a credit note
per invoice, `CreditNoteIssued` naming the return), at most what their invoice line has left to
credit, and the return becomes `credited`, so it is settled once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from shipshape.domain import invoicing as iv
from shipshape.domain import returns as rt
from shipshape.domain.billing import InvoiceLine, cents
from shipshape.domain.cases import ExceptionCase
from shipshape.domain.catalogue import (
    CreditNoteIssued,
    DomainEvent,
    ReturnAuthorised,
    ReturnDisputed,
    ReturnReceived,
)
from shipshape.domain.errors import Conflict, InvalidInput, NotFound
from shipshape.domain.integration import SystemEvent
from shipshape.domain.picking import OrderToPick
from shipshape.domain.reconciliation import rebuilt_invoice
from shipshape.services.billing import open_case_for
from shipshape.services.delivery.consume import Handler
from shipshape.services.delivery.outbound import ConnectorHandler, Route
from shipshape.services.deps import Deps
from shipshape.services.outcomes import Outcome
from shipshape.services.ports import StoredResponse, UnitOfWork
from shipshape.services.ports.connectors import Connectors, Payload

WMS_RETURN_EXPECTED = "wms-return-expected"
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True, slots=True)
class ReturnAnswer:
    outcome: Outcome
    body: dict[str, object]
    replayed: bool = False


def authorise_return(deps: Deps, order_id: str, lines: Mapping[int, int], reason: str,
                     actor: str, scope: str | None = None,
                     key: str | None = None) -> ReturnAnswer:
    """Authorise the return of `lines` (line -> units) of the order for `reason`; with `key`
    (in `scope`) at most once. NotFound, InvalidInput, Conflict (more than is left)."""
    if any(not 0 < q <= MAX_QUANTITY for q in lines.values()):
        raise InvalidInput(f"a returned quantity must be from 1 to {MAX_QUANTITY}")
    digest = hashlib.sha256(json.dumps(
        {"kind": "return", "order_id": order_id, "reason": reason.strip().upper(),
         "lines": sorted(lines.items())}).encode()).hexdigest()
    with deps.uow() as uow:
        order = uow.picks.order(order_id, lock=True)
        if order is None:
            raise NotFound(f"there is no order {order_id}")
        if key is not None and scope is not None:
            stored = uow.idempotency.get(scope, key)
            if stored is not None:
                if stored.request_hash != digest:
                    raise Conflict(f"idempotency key {key!r} was already used for another "
                                   "request")
                return ReturnAnswer(stored.outcome, stored.body, replayed=True)
        record = _authorise(deps, uow, order, lines, reason, actor)
        answer = ReturnAnswer(Outcome.CREATED, rt.return_json(record))
        if key is not None and scope is not None:
            uow.idempotency.put(scope, key, StoredResponse(digest, answer.outcome, answer.body),
                                deps.clock.now())
        uow.commit()
    return answer


def _authorise(deps: Deps, uow: UnitOfWork, order: OrderToPick, lines: Mapping[int, int],
               reason: str, actor: str) -> rt.ReturnRecord:
    now = deps.clock.now()
    shipped = [rt.ShippedUnits(ln.line_no, s.id, s.site, ln.sku, ln.shipped, s.ship_date)
               for s in uow.shipments.of_order(order.id) for ln in s.lines]
    code, authorised = rt.authorise(lines, reason, deps.returns.of(order.customer_id),
                                    shipped, uow.returns.covered(order.id), now.date())
    record = rt.ReturnRecord(deps.new_id("rma"), order.id, order.customer_id,
                             rt.ReturnStatus.AUTHORISED, code, actor, tuple(authorised))
    uow.returns.add(record, now)
    uow.events.append([ReturnAuthorised(
        occurred_at=now, order_id=order.id, return_id=record.id,
        customer_id=order.customer_id, reason=code, actor=actor, lines=record.lines)])
    return record


def return_received(deps: Deps, uow: UnitOfWork, event: SystemEvent) -> None:
    """The WMS received a return: stock back, the accepted units credited, a dispute opened
    when the receipt differs from the authorisation."""
    return_id = event.data.get("return_id")
    record = uow.returns.get(return_id, lock=True) if isinstance(return_id, str) else None
    if record is None:
        raise InvalidInput(f"return_received for unknown return {return_id!r}")
    order = uow.picks.order(record.order_id, lock=True)
    if order is None:
        raise InvalidInput(f"return {record.id} names unknown order {record.order_id}")
    if record.status is not rt.ReturnStatus.AUTHORISED:
        raise Conflict(f"return {record.id} is {record.status.value}; it was received before "
                       "or cancelled")
    outcome = rt.evaluate_receipt(record.reason, record.lines,
                                  rt.parse_receipt(event.data.get("lines")))
    now = deps.clock.now()
    reference = f"return {record.id}"
    for ln in outcome.lines:
        uow.returns.restock(ln.site, ln.sku, ln.good, reference, now)
        uow.returns.hold(ln.site, ln.sku, "quarantine", ln.damaged, reference, now)
        uow.returns.hold(ln.site, ln.sku, "scrap", ln.scrapped, reference, now)
    notes = _credit(deps, uow, order, record, outcome.lines, now)
    status = (rt.ReturnStatus.DISPUTED if outcome.disputed
              else rt.ReturnStatus.CREDITED if notes else rt.ReturnStatus.RECEIVED)
    uow.returns.record_receipt(record.id, outcome.lines, status, event.webhook_id, now)
    events: list[DomainEvent] = [ReturnReceived(
        occurred_at=now, order_id=order.id, return_id=record.id,
        customer_id=record.customer_id, status=status.value, webhook_id=event.webhook_id,
        lines=outcome.lines)]
    if outcome.disputed:
        finding = rt.disputed(record.id, outcome.differences)
        uow.orders.add_findings(order.id, [finding], now)
        events.append(ReturnDisputed(occurred_at=now, order_id=order.id, return_id=record.id,
                                     customer_id=record.customer_id,
                                     differences=outcome.differences))
        events.append(open_case_for(deps, uow, order.id, order.customer_id, order.value,
                                    finding, now, source_system="wms").event)
    uow.events.append([*events, *notes])


def _credit(deps: Deps, uow: UnitOfWork, order: OrderToPick, record: rt.ReturnRecord,
            lines: Sequence[rt.ReturnLine], now: datetime) -> list[CreditNoteIssued]:
    """One credit note per invoice the accepted units were billed on."""
    accepted = [(ln, ln.accepted) for ln in lines if ln.accepted]
    invoiced = uow.returns.invoiced({ln.shipment_id for ln, _ in accepted})
    issued = _credit_notes(deps, uow, order, record, accepted, invoiced, "system:wms",
                           f"return {record.id} ({record.reason})", now)
    for ln, _, note in _credited_by(accepted, invoiced, issued):
        uow.returns.record_credit(record.id, ln, note)
    return issued


def settle_dispute(deps: Deps, uow: UnitOfWork, case: ExceptionCase, actor: str,
                   reason: str) -> tuple[dict[str, object], list[DomainEvent]]:
    """Credit what the disputed return of `case` received and did not credit; Conflict when
    the return is settled or nothing is left to credit."""
    record = _disputed(uow, case)
    order = uow.picks.order(record.order_id, lock=True)
    if order is None:
        raise Conflict(f"return {record.id} names unknown order {record.order_id}")
    invoiced = uow.returns.invoiced({ln.shipment_id for ln in record.lines})
    units = rt.settlement(record.lines, invoiced)
    if not units:
        raise Conflict(f"return {record.id} has nothing left to credit: every unit received "
                       "is credited, or its invoice line is")
    now = deps.clock.now()
    issued = _credit_notes(deps, uow, order, record, units, invoiced, actor,
                           f"return {record.id} ({record.reason}) settled: case {case.id} "
                           f"({reason})", now)
    for ln, quantity, note in _credited_by(units, invoiced, issued):
        uow.returns.record_settlement(record.id, ln, quantity, note)
    uow.returns.set_status(record.id, rt.ReturnStatus.CREDITED, now)
    body: dict[str, object] = {
        "return_id": record.id, "status": rt.ReturnStatus.CREDITED.value,
        "credit_note_ids": [n.note.number for n in issued],
        "total": str(sum((n.note.total for n in issued), Decimal("0"))),
        "lines": [{"line_no": ln.line_no, "shipment_id": ln.shipment_id, "quantity": q}
                  for ln, q in units]}
    return body, list(issued)


def _disputed(uow: UnitOfWork, case: ExceptionCase) -> rt.ReturnRecord:
    return_id = case.details.get("return_id")
    record = uow.returns.get(return_id, lock=True) if isinstance(return_id, str) else None
    if record is None or record.order_id != case.order_id:
        raise Conflict(f"case {case.id} names no return of its order")
    if record.status is not rt.ReturnStatus.DISPUTED:
        raise Conflict(f"return {record.id} is {record.status.value}, not disputed; its "
                       "dispute was settled or there is none")
    return record


def _credited_by(units: Sequence[tuple[rt.ReturnLine, int]],
                 invoiced: Sequence[rt.InvoicedLine],
                 issued: Sequence[CreditNoteIssued]) -> list[tuple[rt.ReturnLine, int, str]]:
    """Each return line of `units`, its units and the credit note that credits them."""
    note_of = {n.credits: n.note.number for n in issued}
    by_key = {(i.shipment_id, i.line_no): note_of[i.invoice_id] for i in invoiced
              if i.invoice_id in note_of}
    return [(ln, quantity, by_key[(ln.shipment_id, ln.line_no)]) for ln, quantity in units
            if (ln.shipment_id, ln.line_no) in by_key]


def _credit_notes(deps: Deps, uow: UnitOfWork, order: OrderToPick, record: rt.ReturnRecord,
                  units: Sequence[tuple[rt.ReturnLine, int]],
                  invoiced: Sequence[rt.InvoicedLine], actor: str, reason: str,
                  now: datetime) -> list[CreditNoteIssued]:
    """One credit note per invoice `units` were billed on, naming the return."""
    credit = rt.priced(record.reason, deps.returns.of(record.customer_id), units, invoiced)
    customer = uow.masterdata.customer(record.customer_id)
    issued: list[CreditNoteIssued] = []
    for invoice_id in sorted({c.invoice_id for c in credit}):
        stored = uow.reconciliation.stored_invoice(invoice_id)
        if stored is None:
            raise Conflict(f"invoice {invoice_id} is gone; return {record.id} cannot be "
                           "credited")
        original = rebuilt_invoice(stored, order, customer, deps.billing.seller)
        uoms = {ln.line_no: ln.uom for ln in original.lines}
        note_lines = tuple(InvoiceLine(c.line_no, c.sku, c.quantity, c.unit_price,
                                       uom=uoms.get(c.line_no, "EA"))
                           for c in credit if c.invoice_id == invoice_id)
        subtotal = sum((ln.amount for ln in note_lines), Decimal("0"))
        rate = original.tax_amount / original.subtotal if original.subtotal else Decimal("0")
        note = replace(original, number=deps.new_id("crn"), invoice_date=now.date(),
                       lines=note_lines, freight=Decimal("0"), tax=cents(subtotal * rate))
        uow.invoices.add(note, iv.InvoiceKind.CREDIT_NOTE, invoice_id, now)
        issued.append(CreditNoteIssued(occurred_at=now, note=note, credits=invoice_id,
                                       reason=reason, actor=actor, return_id=record.id))
    return issued


def return_expected_payload(event_type: str, body: Mapping[str, object]) -> Payload:
    return {"return_id": body.get("return_id"), "order_id": body.get("order_id"),
            "customer_id": body.get("customer_id"), "reason": body.get("reason"),
            "lines": body.get("lines", [])}


RETURN_EXPECTED = Route(frozenset({ReturnAuthorised.TYPE}), "wms", "return_expected",
                        return_expected_payload)
"""An authorised return goes to the WMS, which reports its receipt (`return_received`)."""


def return_handlers(deps: Deps, connectors: Connectors) -> dict[str, Handler]:
    return {WMS_RETURN_EXPECTED: ConnectorHandler(deps, connectors, RETURN_EXPECTED)}
