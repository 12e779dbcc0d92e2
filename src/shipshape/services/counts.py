"""A count below what is reserved (`domain/counts.py`), in the count's own transaction: the
orders that give way give back their stock, are held, and get a `STALE_RESERVATION` case, before
the count is booked."""

from __future__ import annotations

from datetime import datetime

from shipshape.domain import counts as ct
from shipshape.domain.cases import CaseOrigin, Stage, promised_at
from shipshape.domain.catalogue import DomainEvent, OrderHeld, StockReleased
from shipshape.domain.errors import ConcurrencyConflict
from shipshape.domain.orders import OrderStatus, check_transition
from shipshape.services.cases import open_case
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.promise import check_orders

COUNT = "count"


def make_room(deps: Deps, uow: UnitOfWork, site: str, sku: str, change: int) -> list[str]:
    """Before a count's `change` of `sku` at `site` is booked: hold the orders whose stock it
    no longer covers; their ids (none when the reservations stay covered)."""
    position = uow.inventory.position(site, sku)
    short = ct.shortfall(position.on_hand, position.reserved, change)
    if short == 0:
        return []
    holders = [ct.Holder(order_id, quantity)
               for order_id, quantity in uow.waves.holders(site, sku)]
    chosen = [h.order_id for h in ct.giving_way(short, holders)]
    count = ct.Count(site, sku, position.on_hand + change, position.reserved)
    now = deps.clock.now()
    events: list[DomainEvent] = []
    for order_id in chosen:
        events += _give_way(deps, uow, order_id, count, now)
    events += check_orders(deps, uow, chosen, now)
    uow.events.append(events)
    return chosen


def _give_way(deps: Deps, uow: UnitOfWork, order_id: str, count: ct.Count,
              now: datetime) -> list[DomainEvent]:
    order = uow.picks.order(order_id, lock=True)
    if order is None or order.status not in (OrderStatus.ACCEPTED, OrderStatus.HELD):
        raise ConcurrencyConflict(f"order {order_id} moved on while the count was booked")
    held = tuple(uow.inventory.reservations_of(order_id))
    uow.inventory.unreserve(order_id, held, now)
    events: list[DomainEvent] = [StockReleased(occurred_at=now, order_id=order_id,
                                               reservations=held, reason=COUNT)]
    if order.status is OrderStatus.ACCEPTED:
        check_transition(OrderStatus.ACCEPTED, OrderStatus.HELD)
        uow.orders.set_status(order_id, OrderStatus.HELD, now)
    finding = count.finding(held)
    uow.waves.add_findings({order_id: [finding]}, Stage.RELEASE.value, now)
    origin = CaseOrigin(order_id, uow.masterdata.customer(order.customer_id), order.value,
                        promised_at(order.requested_ship_date, now), now, site_id=count.site)
    events.append(open_case(deps, uow, finding, origin).event)
    if order.status is OrderStatus.ACCEPTED:
        events.append(OrderHeld(occurred_at=now, order_id=order_id,
                                from_status=OrderStatus.ACCEPTED, to_status=OrderStatus.HELD,
                                blocking=(finding.code,)))
    return events
