"""Delivery facts from the TMS (`shipment_in_transit`, `shipment_out_for_delivery`,
`shipment_delivered`, `delivery_failed`, `delivery_discrepancy`), applied in the transaction
that records the event (`services/delivery/inbound.py` checked signature, resend, owner — the
TMS owns the delivery state — and order first).

For the rules see `domain/delivery.py`. In one transaction, under the order's lock:

* the milestone moves the shipment's delivery state forward, or changes nothing when it is
  behind the state (delivered is final; a stale in-transit after out-for-delivery is kept on
  the timeline only);
* delivered: the time, proof-of-delivery reference and signee are kept (`ShipmentDelivered`);
  after the promised date (`domain.delivery.promised_by`) a warning `DELIVERED_LATE` case
  informs customer service;
* failed: `DeliveryFailed` and a blocking `DELIVERY_FAILED` case for transport (re-deliver,
  re-ship or cancel from the desk);
* damaged or short quantities per line (`DeliveryDiscrepancy`) open `DAMAGED_ON_DELIVERY` /
  `SHORT_ON_DELIVERY` for customer service (re-ship or credit from the desk);
* the order's perfect-order facts are computed again (`services/perfect_order.py`) where they can
  change: at the shipment's first milestone (which makes the row the KPI counts), at its
  delivery and at a discrepancy; in transit, out for delivery and failed leave them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shipshape.domain import delivery as dl
from shipshape.domain.cases import CaseStatus
from shipshape.domain.catalogue import (
    DeliveryDiscrepancy,
    DeliveryFailed,
    DeliveryMilestone,
    DomainEvent,
    ShipmentDelivered,
)
from shipshape.domain.errors import Conflict, InvalidInput
from shipshape.domain.event_data import text
from shipshape.domain.findings import Finding
from shipshape.domain.integration import SystemEvent
from shipshape.domain.picking import OrderToPick
from shipshape.domain.shipments import ShipmentRecord
from shipshape.services import perfect_order
from shipshape.services.billing import open_case_for
from shipshape.services.deps import Deps
from shipshape.services.desk import resolved_event
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.desk import Closing


@dataclass(frozen=True, slots=True)
class _Shipped:
    """The order an event's shipment belongs to, that shipment, and all of the order's."""

    order: OrderToPick
    shipment: ShipmentRecord
    shipments: list[ShipmentRecord]


def _shipment(uow: UnitOfWork, event: SystemEvent) -> _Shipped:
    shipment_id = dl.shipment_id_of(event.type, event.data)
    order_id = uow.deliveries.order_of(shipment_id)
    order = uow.picks.order(order_id, lock=True) if order_id else None
    shipments = uow.shipments.of_order(order.id) if order else []
    shipment = next((s for s in shipments if s.id == shipment_id), None)
    if order is None or shipment is None:
        raise InvalidInput(f"{event.type}: there is no shipment {shipment_id}")
    named = event.data.get("order_id")
    if named is not None and named != order.id:
        raise InvalidInput(f"{event.type}: shipment {shipment_id} belongs to order {order.id}, "
                           f"not {named}")
    return _Shipped(order, shipment, shipments)


def milestone(deps: Deps, uow: UnitOfWork, event: SystemEvent) -> None:
    """In transit, out for delivery, delivered or failed: the shipment's state moves forward."""
    shipped = _shipment(uow, event)
    order, shipment = shipped.order, shipped.shipment
    reported = dl.MILESTONE_OF[event.type]
    known = uow.deliveries.get(shipment.id)
    current = known or dl.DeliveryRecord(shipment.id, order.id, dl.DeliveryState.SHIPPED)
    if dl.next_state(current.state, reported) is None:
        return  # behind what is known: on the timeline (system event), nothing changes
    now = deps.clock.now()
    events: list[DomainEvent] = []
    findings: list[Finding] = []
    if reported is dl.DeliveryState.DELIVERED:
        delivered = dl.parse_delivered(event.data, event.occurred_at)
        promised = dl.promised_by(order, min(s.ship_date for s in shipped.shipments),
                                   uow.orders.promised_date(order.id))
        record = dl.DeliveryRecord(shipment.id, order.id, reported, delivered.delivered_at,
                                   delivered.pod_reference, delivered.signee,
                                   current.failure_reason, current.attempts)
        late = dl.delivered_late(shipment.id, delivered.delivered_at, promised)
        events.append(ShipmentDelivered(
            occurred_at=now, order_id=order.id, shipment_id=shipment.id,
            delivered_at=delivered.delivered_at, pod_reference=delivered.pod_reference,
            signee=delivered.signee, on_time=late is None, webhook_id=event.webhook_id))
        findings += [late] if late else []
    elif reported is dl.DeliveryState.FAILED:
        reason = text(event.type, event.data.get("reason"), "reason", 500)
        record = dl.DeliveryRecord(shipment.id, order.id, reported, None, None, None, reason,
                                   current.attempts + 1)
        events.append(DeliveryFailed(occurred_at=now, order_id=order.id,
                                     shipment_id=shipment.id, reason=reason,
                                     attempt=record.attempts, webhook_id=event.webhook_id))
        findings.append(dl.delivery_failed(shipment.id, reason))
    else:
        record = dl.DeliveryRecord(shipment.id, order.id, reported,
                                   failure_reason=current.failure_reason,
                                   attempts=current.attempts)
        events.append(DeliveryMilestone(occurred_at=now, order_id=order.id,
                                        shipment_id=shipment.id, milestone=reported.value,
                                        webhook_id=event.webhook_id))
    uow.deliveries.save(record, event.webhook_id, now)
    events += _cleared(uow, order.id, shipment.id, reported, now)
    events += _cases(deps, uow, order, shipment, findings, now)
    if known is None or reported is dl.DeliveryState.DELIVERED:
        perfect_order.refresh(uow, order, now, shipped.shipments)
    uow.events.append(events)


CLEARED_BY: dict[dl.DeliveryState, frozenset[str]] = {
    dl.DeliveryState.DELIVERED: frozenset({dl.DELIVERY_FAILED, dl.SHIPMENT_UNTRACKED}),
    dl.DeliveryState.IN_TRANSIT: frozenset({dl.SHIPMENT_UNTRACKED}),
    dl.DeliveryState.OUT_FOR_DELIVERY: frozenset({dl.SHIPMENT_UNTRACKED}),
    dl.DeliveryState.FAILED: frozenset({dl.SHIPMENT_UNTRACKED}),
}
"""The shipment's cases a milestone clears: delivered after a failure, or heard of at last."""


def _cleared(uow: UnitOfWork, order_id: str, shipment_id: str, reached: dl.DeliveryState,
             now: datetime) -> list[DomainEvent]:
    """Close the shipment's open cases that `reached` clears, as `auto_resolved`."""
    codes = CLEARED_BY.get(reached, frozenset())
    closed: list[DomainEvent] = []
    for case in uow.desk.open_of_order(order_id) if codes else []:
        if case.code in codes and shipment_id in (case.details.get("shipment_id"),
                                                   case.details.get("subject")):
            closing = Closing(CaseStatus.AUTO_RESOLVED, "condition_cleared",
                              f"shipment {shipment_id} is {reached.value}", "tms", now)
            if uow.desk.close(case.id, closing):
                closed.append(resolved_event(case, closing))
    return closed


def discrepancy(deps: Deps, uow: UnitOfWork, event: SystemEvent) -> None:
    """Damaged or short quantities per line of a delivered shipment."""
    shipped = _shipment(uow, event)
    order, shipment = shipped.order, shipped.shipment
    current = uow.deliveries.get(shipment.id)
    if current is None or current.state is not dl.DeliveryState.DELIVERED:
        raise Conflict(f"{event.type}: shipment {shipment.id} is not delivered; report the "
                       "delivery first")
    if uow.deliveries.discrepancies([shipment.id]):
        raise Conflict(f"{event.type}: shipment {shipment.id} has its discrepancy already")
    lines = dl.parse_discrepancy(event.data, {ln.line_no: ln.shipped for ln in shipment.lines
                                              if ln.shipped})
    now = deps.clock.now()
    uow.deliveries.add_discrepancies(shipment.id, lines, event.webhook_id, now)
    events: list[DomainEvent] = [DeliveryDiscrepancy(
        occurred_at=now, order_id=order.id, shipment_id=shipment.id, lines=lines,
        webhook_id=event.webhook_id)]
    events += _cases(deps, uow, order, shipment, dl.discrepancy_findings(shipment.id, lines),
                     now)
    perfect_order.refresh(uow, order, now, shipped.shipments)
    uow.events.append(events)


def _cases(deps: Deps, uow: UnitOfWork, order: OrderToPick, shipment: ShipmentRecord,
           findings: list[Finding], now: datetime) -> list[DomainEvent]:
    if not findings:
        return []
    uow.orders.add_findings(order.id, findings, now)
    return [open_case_for(deps, uow, order.id, order.customer_id, order.value, finding, now,
                          source_system="tms", site=shipment.site).event
            for finding in findings]
