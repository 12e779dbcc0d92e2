"""Shipment confirmations from the WMS (`shipment_confirmed`), applied in the transaction that
records the event (`services/inbound.py` has checked signature, resend, owner and order first).

For the data contract see `domain/shipments.py`. In one transaction:

* the confirmation is checked against the order (picked — or held after release, see below —
  and tendered to a carrier, the site picked something of it and has not shipped it before,
  no line ships more than was picked there) or refused whole (409/422 to the WMS, nothing
  stored);
* the shipment is stored with the accepted tender's carrier, tracking number and label;
* shipped units leave the reservation and on-hand stock together (a `shipment` movement each);
  picked units that did not ship go back to free stock, with a `SHORT_SHIPMENT` warning;
* the shipment's invoice is issued (`services/billing.py`), its posting to the ERP on its way
  through the outbox (`InvoiceIssued`);
* the order moves picked -> shipped once every site that picked something of it has shipped.

A held order (a credit hold after release) had its tasks stopped; when the WMS ships it all
the same the goods have left, so the shipment is recorded like any other (stock, invoice) and
a blocking `SHIPPED_WHILE_HELD` case goes to the credit team; the order stays held.
"""

from __future__ import annotations

from datetime import datetime

from shipshape.domain import shipments as sh
from shipshape.domain.carriers import TenderAttempt
from shipshape.domain.catalogue import DomainEvent, ShipmentConfirmed
from shipshape.domain.errors import Conflict, InvalidInput
from shipshape.domain.integration import SystemEvent
from shipshape.domain.inventory import Reservation
from shipshape.domain.orders import OrderStatus
from shipshape.domain.picking import OrderToPick
from shipshape.services.billing import issue_invoice, open_case_for
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.status import move_order


def shipment_confirmed(deps: Deps, uow: UnitOfWork, event: SystemEvent) -> None:
    """The WMS confirmed what left a site's dock for an order (final for that site)."""
    confirmation = sh.parse_shipment(event.data)
    order = uow.picks.order(confirmation.order_id, lock=True)
    if order is None:
        raise InvalidInput(f"shipment_confirmed: there is no order {confirmation.order_id}")
    if uow.shipments.exists(confirmation.shipment_id):
        raise Conflict(f"shipment {confirmation.shipment_id} was confirmed before")
    picked = sh.picked_by_line_site(uow.picks.picks(order.id))
    shipped_sites = {s.site for s in uow.shipments.of_order(order.id)}
    tender = _accepted_tender(uow.tenders.attempts(order.id))
    sh.check_shipment(order.status, confirmation, picked, shipped_sites)
    if tender is None:
        raise Conflict(f"order {order.id} has no accepted carrier tender; it cannot ship yet")
    now = deps.clock.now()
    record = _record(order, confirmation, picked, tender, now)
    uow.shipments.add(record, event.webhook_id, now)
    _move_stock(uow, record, confirmation, now)
    events: list[DomainEvent] = [_shipped_event(record, event, now)]
    events += _cases(deps, uow, order, record, now)
    events += issue_invoice(deps, uow, order, record, now)
    if order.status is OrderStatus.PICKED and sh.shipped_everywhere(
            picked, shipped_sites | {record.site}):
        events.append(move_order(uow, order, OrderStatus.SHIPPED, now,
                                 reason="shipped from every site",
                                 webhook_id=event.webhook_id))
    uow.events.append(events)


def _accepted_tender(attempts: list[TenderAttempt]) -> TenderAttempt | None:
    return next((a for a in reversed(attempts) if a.accepted), None)


def _record(order: OrderToPick, confirmation: sh.ShipmentConfirmation,
            picked: dict[sh.LineSite, int], tender: TenderAttempt,
            now: datetime) -> sh.ShipmentRecord:
    skus = {line.line_no: line.sku for line in order.lines}
    return sh.ShipmentRecord(
        id=confirmation.shipment_id, order_id=order.id, site=confirmation.site,
        ship_date=confirmation.ship_date or now.date(), carrier_service=tender.carrier_service,
        tracking_number=tender.tracking_number, label_ref=tender.label_ref,
        lines=tuple(sh.shipped_lines(confirmation, picked, skus)),
        cartons=confirmation.cartons)


def _move_stock(uow: UnitOfWork, record: sh.ShipmentRecord,
                confirmation: sh.ShipmentConfirmation, now: datetime) -> None:
    """Shipped units leave stock; picked ones that stayed go back to free stock."""
    site = record.site
    skus = {line.line_no: line.sku for line in record.lines}
    lots = [(site, skus[e.line_no], e.lot, e.quantity)
            for e in confirmation.entries if e.lot and e.quantity and e.line_no in skus]
    uow.inventory.ship(record.order_id, [Reservation(ln.line_no, site, ln.sku, ln.shipped)
                                         for ln in record.lines if ln.shipped],
                       lots, record.id, now)
    uow.inventory.unreserve(record.order_id, [Reservation(ln.line_no, site, ln.sku,
                                                          ln.not_shipped)
                                              for ln in record.lines if ln.not_shipped], now)


def _shipped_event(record: sh.ShipmentRecord, event: SystemEvent,
                   now: datetime) -> ShipmentConfirmed:
    return ShipmentConfirmed(
        occurred_at=now, order_id=record.order_id, shipment_id=record.id, site=record.site,
        ship_date=record.ship_date, carrier_service=record.carrier_service,
        tracking_number=record.tracking_number, label_ref=record.label_ref,
        webhook_id=event.webhook_id, lines=record.lines)


def _cases(deps: Deps, uow: UnitOfWork, order: OrderToPick, record: sh.ShipmentRecord,
           now: datetime) -> list[DomainEvent]:
    """`SHORT_SHIPMENT` when picked units stayed; `SHIPPED_WHILE_HELD` for a held order."""
    findings = [sh.short_shipment(record.site, record.lines)]
    if order.status is OrderStatus.HELD:
        findings.append(sh.shipped_while_held(record.site, record.lines))
    found = [f for f in findings if f is not None]
    uow.orders.add_findings(order.id, found, now)
    events: list[DomainEvent] = []
    for finding in found:
        opened = open_case_for(deps, uow, order.id, order.customer_id, order.value, finding,
                               now, source_system="wms", site=record.site)
        events.append(opened.event)
    return events
