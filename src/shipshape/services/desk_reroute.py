"""The desk's actions on an order past release, in the caller's transaction
(`services/desk_actions.py` runs them, `domain/desk.py` says where they apply):

* `resource` on a `SHORT_PICK` (order released, units backordered): the backordered units of
  every line are reserved at `site_id`, which must have them all (the agent's decision stands
  for the customer's consent to a second shipment, as `approve_split` does); the same
  `ShortPickResourced` events as picking's own re-sourcing. Refused, naming what the site has,
  when it cannot cover them.
* `retender` on a `CARRIER_TENDER_FAILED` (order picked): a new `CarrierTenderRequested`
  whose chain is `carrier_service` alone, which must be in master data and fit the shipment
  (weight, hazmat, destination); the TMS consumer tenders it as any request. When that
  carrier refuses too, a new `CARRIER_TENDER_FAILED` case opens.
"""

from __future__ import annotations

from dataclasses import replace

from shipshape.domain import carriers as cr
from shipshape.domain.cases import ExceptionCase
from shipshape.domain.catalogue import DomainEvent, ShortPickResourced, SiteQuantity
from shipshape.domain.catalogue.parts import reservation_json
from shipshape.domain.errors import Conflict, InvalidInput
from shipshape.domain.inventory import Reservation
from shipshape.domain.picking import OrderToPick
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.tendering import tender_request

Done = tuple[dict[str, object], list[DomainEvent]]


def backordered(order: OrderToPick, reservations: list[Reservation]) -> dict[int, int]:
    """Per line, the units no site holds for the order any more (a short pick gave them back
    and no other site took them)."""
    held: dict[int, int] = {}
    for reservation in reservations:
        held[reservation.line_no] = held.get(reservation.line_no, 0) + reservation.quantity
    return {line.line_no: (line.quantity or 0) - held.get(line.line_no, 0)
            for line in order.lines if (line.quantity or 0) > held.get(line.line_no, 0)}


def resource_short_pick(deps: Deps, uow: UnitOfWork, case: ExceptionCase,
                        site: str) -> Done:
    order = _order(uow, case)
    if site not in uow.masterdata.sites():
        raise InvalidInput(f"resource needs a known site_id; {site!r} is not one")
    wanted = backordered(order, uow.inventory.reservations_of(order.id))
    if not wanted:
        raise Conflict(f"order {order.id} has nothing backordered to re-source")
    reservations = _reservations_at(uow, order, site, wanted)
    now = deps.clock.now()
    uow.inventory.reserve(order.id, reservations, now)
    events: list[DomainEvent] = [ShortPickResourced(
        occurred_at=now, order_id=order.id, line_no=r.line_no, sku=r.sku,
        site=case.site_id or "", case_id=case.id, quantity=r.quantity,
        moved_to=(SiteQuantity(site, r.quantity),)) for r in reservations]
    body: dict[str, object] = {"order_id": order.id, "status": order.status.value,
                               "reservations": [reservation_json(r) for r in reservations]}
    return body, events


def _reservations_at(uow: UnitOfWork, order: OrderToPick, site: str,
                     wanted: dict[int, int]) -> list[Reservation]:
    confirmed = {(p.line_no, p.site) for p in uow.picks.picks(order.id)}
    skus = {line.line_no: line.sku for line in order.lines}
    positions = uow.inventory.positions(set(skus.values()), lock=True)
    available = {p.sku: p.available for p in positions if p.site == site}
    missing = []
    for line_no, quantity in sorted(wanted.items()):
        sku = skus[line_no]
        if (line_no, site) in confirmed:
            missing.append(f"line {line_no} was confirmed at {site} already")
        elif available.get(sku, 0) < quantity:
            missing.append(f"line {line_no} {sku} wants {quantity}: {site} has "
                           f"{max(available.get(sku, 0), 0)}")
        available[sku] = available.get(sku, 0) - quantity
    if missing:
        raise InvalidInput(f"order {order.id} cannot be re-sourced to {site}: "
                           + "; ".join(missing))
    return [Reservation(line_no, site, skus[line_no], quantity)
            for line_no, quantity in sorted(wanted.items())]


def retender(deps: Deps, uow: UnitOfWork, case: ExceptionCase, wanted: str) -> Done:
    order = _order(uow, case)
    customer = uow.masterdata.customer(order.customer_id)
    asked = tender_request(deps, uow, order, customer, deps.clock.now())
    goods = asked.goods
    shipment = cr.Shipment(goods.weight_kg, goods.hazmat, goods.country, asked.service_level,
                           wanted)
    chain = cr.fallback_chain(shipment, [], uow.masterdata.carriers())
    if not wanted or not chain:
        raise InvalidInput(f"retender needs a carrier_service in master data that can carry "
                           f"the shipment ({goods.weight_kg} kg to {goods.country}); "
                           f"{wanted!r} is not one")
    event = replace(asked, chain=(chain[0],), preferred=chain[0])
    body: dict[str, object] = {"order_id": order.id, "carrier_service": chain[0],
                               "tender": "requested"}
    return body, [event]


def _order(uow: UnitOfWork, case: ExceptionCase) -> OrderToPick:
    order = uow.picks.order(case.order_id, lock=True) if case.order_id else None
    if order is None:
        raise Conflict(f"case {case.id} has no order")
    return order
