"""The promise: an accepted order's promised delivery date, and customer service told when the
projection puts it at risk.

`promise_order` sets the promise of an order accepted at intake (in the order's own INSERT, its
`OrderPromised` event in the same batch as the others: no statement more per order);
`promise_taken` sets it for an order the desk takes later, unless it already has one (the
customer was promised a date once). `check_orders` projects the orders whose situation just
changed (held after release, a failed carrier tender, a failed delivery) and `sweep` projects
every open order with a promise on the worker's timer: an order newly at risk gets
`PromiseAtRisk` (once, until it recovers) and a `PROMISE_AT_RISK` case for customer service
(counted into its open case, if any); an order back on track, or delivered, gets
`PromiseRecovered` and its open `PROMISE_AT_RISK` case closes as auto-resolved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from shipshape.domain import promise as pr
from shipshape.domain.cases import CaseOrigin, CaseStatus, Stage
from shipshape.domain.catalogue import (
    DomainEvent,
    ExceptionResolved,
    OrderPromised,
    PromiseAtRisk,
    PromiseRecovered,
)
from shipshape.domain.findings import Kind, Team, warn
from shipshape.domain.orders import Order
from shipshape.services.cases import open_case
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.desk import Closing

PROMISE_AT_RISK = "PROMISE_AT_RISK"
ACTOR = "shipshape"


def promise_of(deps: Deps, requested_ship_date: date | None, country: str | None,
               service_transit_days: int | None, now: datetime) -> OrderPromised:
    """The promise of an order accepted at `now` with its stock reserved in full (ATP: today)."""
    today = now.date()
    transit = deps.promise.transit_days(service_transit_days, country)
    promised = pr.promised_date(requested_ship_date, today, transit)
    return OrderPromised(occurred_at=now, order_id="", promised_date=promised,
                         ship_on=max(requested_ship_date or today, today), transit_days=transit)


def promise_order(deps: Deps, order: Order, service_transit_days: int | None,
                  now: datetime) -> OrderPromised:
    """Set the promise on `order` before it is stored; its `OrderPromised` event."""
    draft = order.draft
    made = promise_of(deps, draft.requested_ship_date, draft.ship_to.country,
                      service_transit_days, now)
    order.promised_date, order.transit_days = made.promised_date, made.transit_days
    return OrderPromised(occurred_at=now, order_id=order.id, promised_date=made.promised_date,
                         ship_on=made.ship_on, transit_days=made.transit_days)


def promise_taken(deps: Deps, uow: UnitOfWork, order_id: str, requested_ship_date: date | None,
                  country: str | None, service_transit_days: int | None,
                  now: datetime) -> list[DomainEvent]:
    """The promise of an order accepted later (the desk took it): stored unless it has one;
    its `OrderPromised` event then, and the at-risk check of an order promised before."""
    made = promise_of(deps, requested_ship_date, country, service_transit_days, now)
    if uow.orders.promise(order_id, made.promised_date, made.transit_days):
        return [OrderPromised(occurred_at=now, order_id=order_id,
                              promised_date=made.promised_date, ship_on=made.ship_on,
                              transit_days=made.transit_days)]
    return check_orders(deps, uow, [order_id], now)


@dataclass(frozen=True, slots=True)
class SweepReport:
    examined: int
    at_risk: tuple[str, ...] = ()
    """Orders newly at risk."""
    recovered: tuple[str, ...] = ()


def sweep(deps: Deps, now: datetime | None = None) -> SweepReport:
    """Project every open order with a promise at `now` (the clock's by default), committed."""
    at = now if now is not None else deps.clock.now()
    with deps.uow() as uow:
        situations = uow.orders.promise_situations(None)
        events, report = _apply(deps, uow, situations, at)
        if events:
            uow.events.append(events)
            uow.commit()
    return report


def check_orders(deps: Deps, uow: UnitOfWork, order_ids: Iterable[str],
                 now: datetime) -> list[DomainEvent]:
    """Project `order_ids` in the caller's unit of work (one read; writes only for the orders
    whose flag changes); the events to append."""
    ids = sorted(set(order_ids))
    if not ids:
        return []
    events, _ = _apply(deps, uow, uow.orders.promise_situations(ids), now)
    return events


def _apply(deps: Deps, uow: UnitOfWork, situations: Sequence[pr.Situation],
           now: datetime) -> tuple[list[DomainEvent], SweepReport]:
    events: list[DomainEvent] = []
    at_risk: list[str] = []
    recovered: list[str] = []
    for change in pr.changes(list(situations), now.date(), deps.promise):
        s = change.situation
        if change.newly_at_risk:
            if uow.orders.mark_at_risk(s.order_id, now, was_at_risk=False):
                events += _at_risk(deps, uow, change, now)
                at_risk.append(s.order_id)
        elif uow.orders.mark_at_risk(s.order_id, None, was_at_risk=True):
            events += _recovered(uow, change, now)
            recovered.append(s.order_id)
    return events, SweepReport(len(situations), tuple(at_risk), tuple(recovered))


def _at_risk(deps: Deps, uow: UnitOfWork, change: pr.Change, now: datetime) -> list[DomainEvent]:
    s, projection = change.situation, change.projection
    projected = projection.projected or s.promised_date
    cause = (projection.cause or pr.Cause.SCHEDULE).value
    finding = warn(PROMISE_AT_RISK, Kind.OPERATIONAL, Team.CUSTOMER_SERVICE,
                   f"order {s.order_id} was promised for {s.promised_date.isoformat()}; it now "
                   f"projects {projected.isoformat()} ({cause.replace('_', ' ')})",
                   promised_date=s.promised_date.isoformat(),
                   projected_date=projected.isoformat(), cause=cause)
    customer = uow.masterdata.customer(s.customer_id) if s.customer_id else None
    promised = datetime.combine(s.promised_date, datetime.min.time(), now.tzinfo)
    origin = CaseOrigin(s.order_id, customer, s.value, promised, now)
    opened = open_case(deps, uow, finding, origin, stage=Stage.SHIP.value)
    return [opened.event, PromiseAtRisk(
        occurred_at=now, order_id=s.order_id, promised_date=s.promised_date,
        projected_date=projected, cause=cause, case_id=opened.case.id)]


def _recovered(uow: UnitOfWork, change: pr.Change, now: datetime) -> list[DomainEvent]:
    s, projection = change.situation, change.projection
    events: list[DomainEvent] = [PromiseRecovered(
        occurred_at=now, order_id=s.order_id, promised_date=s.promised_date,
        projected_date=projection.projected, state=projection.state.value)]
    why = f"the promise is {projection.state.value.replace('_', ' ')}"
    for case in uow.desk.open_of_order(s.order_id):
        if case.code != PROMISE_AT_RISK:
            continue
        closing = Closing(CaseStatus.AUTO_RESOLVED, "condition_cleared", why, ACTOR, now)
        if uow.desk.close(case.id, closing):
            events.append(ExceptionResolved(
                occurred_at=now, order_id=case.order_id, case_id=case.id, actor=ACTOR,
                code=case.code, status=closing.status.value, action=closing.action,
                reason=why, root_cause=None, rework_minutes=0, expedited_freight="0",
                invoice_correction="0"))
    return events
