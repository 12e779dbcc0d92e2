"""The perfect-order facts of an order, computed again whenever one of them may change: a
delivery milestone, a damaged or short delivery, a credit note against the order's invoices.
Kept as data (`perfect_orders`) for the KPIs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shipshape.domain import delivery as dl
from shipshape.domain.picking import OrderToPick
from shipshape.domain.shipments import ShipmentRecord
from shipshape.services.ports import UnitOfWork


def refresh(uow: UnitOfWork, order: OrderToPick, now: datetime,
            shipments: Sequence[ShipmentRecord] | None = None) -> dl.PerfectOrder | None:
    """Store the order's facts as they stand; None (nothing stored) before anything shipped.
    `shipments`: the order's, when the caller has read them in this transaction."""
    if shipments is None:
        shipments = uow.shipments.of_order(order.id)
    if not shipments:
        return None
    states = {r.shipment_id: r for r in uow.deliveries.of_order(order.id)}
    found = uow.deliveries.discrepancies(s.id for s in shipments)
    facts = []
    for shipment in shipments:
        record = states.get(shipment.id)
        lines = found.get(shipment.id, [])
        facts.append(dl.ShipmentFacts(
            shipment.id, record.state if record else dl.DeliveryState.SHIPPED,
            record.delivered_at if record else None,
            {ln.line_no: ln.shipped for ln in shipment.lines},
            sum(ln.damaged for ln in lines), sum(ln.short for ln in lines)))
    promised = dl.promised_by(order, min(s.ship_date for s in shipments),
                               uow.orders.promised_date(order.id))
    ordered = {ln.line_no: ln.quantity or 0 for ln in order.lines}
    result = dl.perfect_order(order.id, ordered, promised, facts,
                              uow.deliveries.credited(order.id))
    uow.deliveries.save_facts(result, order.customer_id, now)
    return result
