"""The promise's named queries: what the projection of an order looks at (`SITUATIONS`), the
promise set on an order the desk takes later, the at-risk flag, and the orders list's
`promise` filter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, exists, func, select, update

from shipshape.adapters.db import tables as t
from shipshape.domain.carriers import CARRIER_TENDER_FAILED
from shipshape.domain.orders import OrderStatus
from shipshape.domain.promise import WATCHED_STATUSES, Situation

o, cs, sh, ev = t.orders.c, t.exception_cases.c, t.shipments.c, t.order_events.c
OPEN_CASE = ("open", "assigned")
DELIVERY_FAILED, SHIPMENT_DELIVERED = "DeliveryFailed", "ShipmentDelivered"


def _last_event(type_: str) -> Any:
    return (select(func.max(ev.occurred_at)).where(ev.order_id == o.id, ev.type == type_)
            .scalar_subquery())


def _situations() -> Select[Any]:
    tender_failed = exists().where(cs.order_id == o.id, cs.code == CARRIER_TENDER_FAILED,
                                   cs.status.in_(OPEN_CASE))
    return select(
        o.id, o.status, o.requested_ship_date, o.promised_date, o.promise_transit_days,
        o.updated_at, o.promise_at_risk_since, o.customer_id, o.value,
        tender_failed.label("tender_failed"),
        select(func.max(sh.ship_date)).where(sh.order_id == o.id).scalar_subquery()
        .label("shipped_on"),
        _last_event(DELIVERY_FAILED).label("delivery_failed_at"),
        _last_event(SHIPMENT_DELIVERED).label("delivered_at"),
    ).where(o.promised_date.is_not(None))


SITUATIONS_OF = _situations().where(o.id.in_(bindparam("ids", expanding=True))).order_by(o.id)
"""The situations of the orders named (any status: a cancelled one closes its promise)."""
OPEN_SITUATIONS = (_situations()
                   .where(o.status.in_(sorted(s.value for s in WATCHED_STATUSES)))
                   .order_by(o.id))
"""Every open order with a promise: what the sweep projects."""
SET_PROMISE = (update(t.orders)
               .where(o.id == bindparam("k_id"), o.promised_date.is_(None))
               .values(promised_date=bindparam("promised"),
                       promise_transit_days=bindparam("transit")))
FLAG = (update(t.orders).where(o.id == bindparam("k_id"), o.promise_at_risk_since.is_(None))
        .values(promise_at_risk_since=bindparam("since", type_=o.promise_at_risk_since.type)))
UNFLAG = (update(t.orders)
          .where(o.id == bindparam("k_id"), o.promise_at_risk_since.is_not(None))
          .values(promise_at_risk_since=None))


def _day(value: object) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]


def situation_of(row: Any) -> Situation:
    return Situation(
        order_id=row.id, status=OrderStatus(row.status),
        requested_ship_date=row.requested_ship_date, promised_date=row.promised_date,
        transit_days=int(row.promise_transit_days or 0), since=row.updated_at,
        at_risk_since=row.promise_at_risk_since, tender_failed=bool(row.tender_failed),
        shipped_on=row.shipped_on, delivery_failed_on=_day(row.delivery_failed_at),
        delivered_on=_day(row.delivered_at), customer_id=row.customer_id,
        value=Decimal(row.value))


def promise_situations(conn: Connection, order_ids: Sequence[str] | None) -> list[Situation]:
    rows = (conn.execute(OPEN_SITUATIONS) if order_ids is None
            else conn.execute(SITUATIONS_OF, {"ids": list(order_ids)}))
    return [situation_of(row) for row in rows]


def set_promise(conn: Connection, order_id: str, promised: date, transit_days: int) -> bool:
    done = conn.execute(SET_PROMISE, {"k_id": order_id, "promised": promised,
                                      "transit": transit_days})
    return done.rowcount == 1


def mark_at_risk(conn: Connection, order_id: str, since: datetime | None,
                 was_at_risk: bool) -> bool:
    if since is not None and not was_at_risk:
        return conn.execute(FLAG, {"k_id": order_id, "since": since}).rowcount == 1
    if since is None and was_at_risk:
        return conn.execute(UNFLAG, {"k_id": order_id}).rowcount == 1
    return False


def promise_filter(state: str) -> Any:
    """The orders list's `promise` filter: `at_risk` (flagged), `on_track` (promised, not
    flagged), `none` (no promise)."""
    if state == "at_risk":
        return o.promise_at_risk_since.is_not(None)
    if state == "on_track":
        return and_(o.promised_date.is_not(None), o.promise_at_risk_since.is_(None))
    return o.promised_date.is_(None)
