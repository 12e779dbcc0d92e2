"""Pick confirmations from the WMS (`pick_confirmed`), applied in the transaction that records
the event (`services/inbound.py` has checked signature, resend, owner and order first).

For the data contract see `domain/picking.py`. In one transaction:

* the confirmation is checked against the order (released or picked; its site and lines
  reserved there; not confirmed there before; no over-pick) or refused whole (`InvalidInput`,
  422 to the WMS, nothing stored);
* one `picks` row per entry (`source_event` = the webhook id);
* a short line gives back its unpicked reservation at the picking site, and the shortfall is
  reserved at the best other sites that have it, if the customer allows split shipments
  (conditional updates: never oversold); what no site covers is backordered;
* cases: `SHORT_PICK` (blocking only when something is backordered) and `LOT_NONCOMPLIANT`;
* events: `PickConfirmed`, `ShortPickResourced` / `ShortPickBackordered`, `LotNonCompliant`,
  `ExceptionOpened`;
* the order moves released -> picked once every line is picked in full over its sites; a
  remainder re-sourced elsewhere keeps it released until that site confirms too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from shipshape.domain import picking as pk
from shipshape.domain.cases import CaseOrigin, promised_at
from shipshape.domain.catalogue import (
    DomainEvent,
    LotNonCompliant,
    LotRecord,
    PickConfirmed,
    PickedLine,
    PickedLot,
    ShortPickBackordered,
    ShortPickResourced,
    SiteQuantity,
)
from shipshape.domain.controls import shelf_life_needed_until
from shipshape.domain.errors import InvalidInput
from shipshape.domain.findings import Finding
from shipshape.domain.integration import SystemEvent
from shipshape.domain.inventory import Reservation, rank_sites
from shipshape.domain.masterdata import Customer
from shipshape.domain.orders import OrderStatus
from shipshape.services.cases import OpenedCase, open_case
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.status import move_order
from shipshape.services.tendering import tender_request


def pick_confirmed(deps: Deps, uow: UnitOfWork, event: SystemEvent) -> None:
    """The WMS confirmed what a site picked of an order's lines (final for those lines there)."""
    confirmation = pk.parse_confirmation(event.data)
    order = uow.picks.order(confirmation.order_id, lock=True)
    if order is None:
        raise InvalidInput(f"pick_confirmed: there is no order {confirmation.order_id}")
    reserved = pk.reserved_by_line_site(uow.inventory.reservations_of(order.id))
    earlier = uow.picks.picks(order.id)
    confirmed = {(p.line_no, p.site) for p in earlier}
    pk.check_confirmation(order, confirmation, reserved, confirmed)
    now = deps.clock.now()
    customer = uow.masterdata.customer(order.customer_id)
    picks = pk.picks_of(order, confirmation)
    uow.picks.add(order.id, picks, event.webhook_id, now)
    shorts = pk.shortfalls(order, confirmation, reserved)
    plan = _resource(uow, order, customer, confirmation.site, shorts, confirmed, now)
    needed_until = shelf_life_needed_until(customer, order.requested_ship_date or now.date())
    bad_lots = pk.noncompliant_lots(order, confirmation, needed_until)
    findings: list[Finding] = []
    if shorts:
        findings.append(pk.short_pick_finding(confirmation.site, shorts, plan))
    if bad_lots and needed_until is not None and customer is not None:
        findings.append(pk.lot_finding(confirmation.site, bad_lots, needed_until,
                                       customer.min_remaining_shelf_life_days))
    uow.orders.add_findings(order.id, findings, now)
    cases = _open_cases(deps, uow, order, customer, confirmation.site, findings, event, now)
    events: list[DomainEvent] = [_confirmed_event(order, confirmation, reserved, event, now)]
    events += _short_events(order.id, confirmation.site, shorts, plan, cases, now)
    events += _lot_events(order.id, confirmation.site, bad_lots, needed_until, cases, now)
    events += [opened.event for opened in cases.values()]
    if order.status is OrderStatus.RELEASED and pk.picked_in_full(order, [*earlier, *picks]):
        events.append(move_order(uow, order, OrderStatus.PICKED, now, reason="picked in full",
                                 webhook_id=event.webhook_id))
        events.append(tender_request(deps, uow, order, customer, now))
    uow.events.append(events)


def _resource(uow: UnitOfWork, order: pk.OrderToPick, customer: Customer | None, site: str,
              shorts: Sequence[pk.LineShortfall], confirmed: set[pk.LineSite],
              now: datetime) -> pk.ResourcePlan:
    """Release what `site` did not pick, and reserve it again elsewhere where the policy
    allows; the positions are read locked, and `reserve` is conditional all the same."""
    if not shorts:
        return pk.ResourcePlan()
    uow.inventory.unreserve(order.id, [Reservation(s.line_no, site, s.sku, s.short)
                                       for s in shorts], now)
    allow_split = bool(customer and customer.allow_split)
    if not allow_split:
        return pk.plan_resourcing(shorts, [], [], False, site, confirmed)
    sites = uow.masterdata.sites()
    ranked = rank_sites(list(sites), customer.preferred_site if customer else None,
                        {s.id: s.country for s in sites.values()}, order.ship_to_country)
    positions = uow.inventory.positions({s.sku for s in shorts}, lock=True)
    plan = pk.plan_resourcing(shorts, positions, ranked, True, site, confirmed)
    uow.inventory.reserve(order.id, plan.reservations, now)
    return plan


def _open_cases(deps: Deps, uow: UnitOfWork, order: pk.OrderToPick, customer: Customer | None,
                site: str, findings: Sequence[Finding], event: SystemEvent,
                now: datetime) -> dict[str, OpenedCase]:
    origin = CaseOrigin(order.id, customer, order.value,
                        promised_at(order.requested_ship_date, now), now,
                        source_system=event.system, site_id=site)
    return {finding.code: open_case(deps, uow, finding, origin,
                                    details={"webhook_id": event.webhook_id})
            for finding in findings}


def _confirmed_event(order: pk.OrderToPick, confirmation: pk.PickConfirmation,
                     reserved: dict[pk.LineSite, int], event: SystemEvent,
                     now: datetime) -> PickConfirmed:
    lines = []
    for line_no, picked in sorted(confirmation.picked_by_line().items()):
        line = order.line(line_no)
        lines.append(PickedLine(
            line_no=line_no, sku=line.sku if line else "",
            reserved=reserved.get((line_no, confirmation.site), 0), picked=picked,
            lots=tuple(PickedLot(e.lot, e.expiry, e.quantity)
                       for e in confirmation.entries if e.line_no == line_no)))
    return PickConfirmed(occurred_at=now, order_id=order.id, site=confirmation.site,
                         webhook_id=event.webhook_id, reported_at=event.occurred_at,
                         lines=tuple(lines))


def _short_events(order_id: str, site: str, shorts: Sequence[pk.LineShortfall],
                  plan: pk.ResourcePlan, cases: dict[str, OpenedCase],
                  now: datetime) -> list[DomainEvent]:
    """Per short line: what was reserved again elsewhere, and what waits as a backorder."""
    events: list[DomainEvent] = []
    short_case = cases["SHORT_PICK"].case if "SHORT_PICK" in cases else None
    case_id = short_case.id if short_case else None
    for short in shorts:
        moved = [r for r in plan.reservations if r.line_no == short.line_no]
        if moved:
            events.append(ShortPickResourced(
                occurred_at=now, order_id=order_id, line_no=short.line_no, sku=short.sku,
                site=site, case_id=case_id, quantity=sum(r.quantity for r in moved),
                moved_to=tuple(SiteQuantity(r.site, r.quantity) for r in moved)))
        left = sum(b.quantity for b in plan.backorders if b.line_no == short.line_no)
        if left:
            events.append(ShortPickBackordered(
                occurred_at=now, order_id=order_id, line_no=short.line_no, sku=short.sku,
                site=site, case_id=case_id, quantity=left))
    return events


def _lot_events(order_id: str, site: str, bad_lots: Sequence[pk.NonCompliantLot],
                needed_until: date | None, cases: dict[str, OpenedCase],
                now: datetime) -> list[DomainEvent]:
    """`LotNonCompliant` when the lots opened a case (the lots its finding names)."""
    if "LOT_NONCOMPLIANT" not in cases:
        return []
    return [LotNonCompliant(
        occurred_at=now, order_id=order_id, site=site,
        case_id=cases["LOT_NONCOMPLIANT"].case.id, needed_until=needed_until,
        lots=tuple(LotRecord(lot.line_no, lot.sku, lot.lot, lot.expiry, lot.quantity)
                   for lot in bad_lots))]
