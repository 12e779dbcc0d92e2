"""Named reads of the order-risk model: the history one order is scored from at capture
(`SqlRiskHistory`, within the unit of work: one query for the customer's and the carrier
service's history, one for the stock of its SKUs) and the whole store's history to train on
(`order_history`: one row per accepted order with its features as they were at its capture and
its label).

The label: the order hit a fulfillment exception after it was accepted (a case at stage
allocate, release, execute or ship opened after its capture) or was delivered late. The history
features count only what happened before the order's capture: window sums over one time line
per customer and one per carrier service, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.sql import Select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.delivery_tables import perfect_orders
from shipshape.adapters.db.integration_tables import exception_cases
from shipshape.domain.risk import (
    RISK_FEATURES,
    CarrierHistory,
    CustomerHistory,
    OrderShape,
    feature_row,
)

if TYPE_CHECKING:
    import polars as pl

o, ln, it, cu = t.orders, t.order_lines, t.items, t.customers
ev, tn, x, p = t.order_events, t.tenders, exception_cases, perfect_orders
AFTER_ACCEPTANCE = ("allocate", "release", "execute", "ship")
"""The stages of a case that count as a fulfillment exception after acceptance."""
ACCEPTED = "accepted"
ZERO: Any = literal_column("0")
ONE: Any = literal_column("1")


class SqlRiskHistory:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def customer(self, customer_id: str, carrier_service: str | None
                 ) -> tuple[CustomerHistory, CarrierHistory | None]:
        counts = [*_customer_counts(customer_id)]
        if carrier_service:
            counts += _carrier_counts(carrier_service)
        row = self._conn.execute(select(*counts)).one()
        customer = CustomerHistory(*(int(v or 0) for v in row[:5]))
        carrier = CarrierHistory(*(int(v or 0) for v in row[5:])) if carrier_service else None
        return customer, carrier

    def available(self, skus: Iterable[str]) -> dict[str, int]:
        inv = t.inventory.c
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        rows = self._conn.execute(select(inv.sku, func.sum(inv.on_hand - inv.reserved))
                                  .where(inv.sku.in_(wanted)).group_by(inv.sku))
        return {sku: int(free or 0) for sku, free in rows}


def _count(query: Select[Any]) -> Any:
    return query.scalar_subquery()


def _customer_counts(customer_id: str) -> list[Any]:
    n = func.count()
    mine = o.c.customer_id == customer_id
    return [
        _count(select(n).select_from(o).where(mine)),
        _count(select(n).select_from(ev.join(o, ev.c.order_id == o.c.id))
               .where(mine, ev.c.type == "OrderAmended")),
        _count(select(n).select_from(x.join(o, x.c.order_id == o.c.id)).where(mine)),
        _count(select(n).select_from(p).where(_delivered(), p.c.customer_id == customer_id)),
        _count(select(n).select_from(p).where(_delivered(), p.c.customer_id == customer_id,
                                              p.c.on_time.is_(False))),
    ]


def _carrier_counts(service: str) -> list[Any]:
    n = func.count()
    mine = tn.c.carrier_service == service
    carried = tn.join(p, p.c.order_id == tn.c.order_id)
    return [
        _count(select(n).select_from(tn).where(mine)),
        _count(select(n).select_from(tn).where(mine, tn.c.outcome != ACCEPTED)),
        _count(select(n).select_from(carried).where(mine, tn.c.outcome == ACCEPTED,
                                                    _delivered())),
        _count(select(n).select_from(carried).where(mine, tn.c.outcome == ACCEPTED,
                                                    _delivered(), p.c.on_time.is_(False))),
    ]


def _delivered() -> Any:
    return and_(p.c.delivered.is_(True), p.c.delivered_at.is_not(None))


HISTORY_COLUMNS = ("order_id", "created_at", "label", *RISK_FEATURES)


def order_history(engine: Engine) -> pl.DataFrame:
    """One row per accepted order: `order_id`, `created_at`, `label` (1 or 0) and the
    features of `RISK_FEATURES` as they were at its capture (stock coverage is not kept in the
    store: None)."""
    import polars as pl

    rows = order_history_rows(engine)
    schema: dict[str, Any] = {"order_id": pl.String, "created_at": pl.Datetime("us", "UTC"),
                              "label": pl.Int8}
    schema |= {name: pl.String if kind == "categorical" else pl.Float64
               for name, kind in RISK_FEATURES.items()}
    return pl.DataFrame(rows, schema=schema, orient="row")


def order_history_rows(engine: Engine) -> list[tuple[object, ...]]:
    """`order_history` as plain tuples, in `HISTORY_COLUMNS` order, oldest order first."""
    with engine.connect() as conn:
        customers = _cumulative(conn, _customer_timeline(), 5, own=True)
        carriers = _cumulative(conn, _carrier_timeline(), 4, own=False)
        rows = conn.execute(_base_query()).all()
    return [_history_row(row, customers.get(row.id), carriers.get(row.id)) for row in rows]


def _history_row(row: Any, customer: tuple[int, ...] | None,
                 carrier: tuple[int, ...] | None) -> tuple[object, ...]:
    created: datetime = row.created_at
    shape = OrderShape(
        channel=row.channel, customer_segment=row.segment or "",
        customer_priority=row.priority or "", carrier_service=row.carrier_service or "",
        line_count=int(row.line_count or 0), total_quantity=int(row.quantity or 0),
        order_value=float(row.value), hazmat=bool(row.hazmat),
        lot_controlled=bool(row.lot_controlled),
        slack_days=(row.requested_ship_date - created.date()).days
        if row.requested_ship_date is not None else None)
    history = CustomerHistory(*(customer or (0, 0, 0, 0, 0)))
    features = feature_row(shape, history, CarrierHistory(*carrier) if carrier else None)
    label = int(bool(row.exception) or row.on_time is False)
    return (row.id, created, label, *(features[name] for name in RISK_FEATURES))


def _base_query() -> Select[Any]:
    lines = (select(ln.c.order_id, func.count().label("line_count"),
                    func.sum(ln.c.quantity).label("quantity"),
                    func.max(cast(it.c.hazmat, Integer)).label("hazmat"),
                    func.max(cast(it.c.lot_controlled, Integer)).label("lot_controlled"))
             .select_from(ln.outerjoin(it, it.c.sku == ln.c.sku))
             .group_by(ln.c.order_id).subquery())
    accepted = exists().where(ev.c.order_id == o.c.id, ev.c.type == "OrderAccepted")
    failed = exists().where(x.c.order_id == o.c.id, x.c.stage.in_(AFTER_ACCEPTANCE),
                            x.c.opened_at > o.c.created_at)
    on_time = select(p.c.on_time).where(p.c.order_id == o.c.id, _delivered()).scalar_subquery()
    return (select(o.c.id, o.c.created_at, o.c.channel, o.c.carrier_service, o.c.value,
                   o.c.requested_ship_date, cu.c.segment, cu.c.priority, lines.c.line_count,
                   lines.c.quantity, lines.c.hazmat, lines.c.lot_controlled,
                   failed.label("exception"), on_time.label("on_time"))
            .select_from(o.outerjoin(cu, cu.c.id == o.c.customer_id)
                         .outerjoin(lines, lines.c.order_id == o.c.id))
            .where(accepted).order_by(o.c.created_at, o.c.id))


def _entry(key: Any, at: Any, order_id: Any, *counts: Any) -> Select[Any]:
    """One entry of a time line: an order (`order_id` set, counted first at its own time) or
    something that happened (counted after the orders of the same moment)."""
    rank = ZERO if order_id is not None else ONE
    oid = order_id if order_id is not None else cast(null(), String(40))
    return select(key.label("k"), at.label("at"), rank.label("rank"), oid.label("order_id"),
                  *(c.label(f"c{i}") for i, c in enumerate(counts)))


def _late() -> Any:
    return case((p.c.on_time.is_(False), 1), else_=0)


def _customer_timeline() -> Any:
    """Per customer: orders, amendments, cases, deliveries and late ones."""
    return union_all(
        _entry(o.c.customer_id, o.c.created_at, o.c.id, ONE, ZERO, ZERO, ZERO, ZERO),
        _entry(o.c.customer_id, ev.c.occurred_at, None, ZERO, ONE, ZERO, ZERO, ZERO)
        .select_from(ev.join(o, o.c.id == ev.c.order_id)).where(ev.c.type == "OrderAmended"),
        _entry(o.c.customer_id, x.c.opened_at, None, ZERO, ZERO, ONE, ZERO, ZERO)
        .select_from(x.join(o, o.c.id == x.c.order_id)),
        _entry(p.c.customer_id, p.c.delivered_at, None, ZERO, ZERO, ZERO, ONE, _late())
        .where(_delivered()),
    ).subquery()


def _carrier_timeline() -> Any:
    """Per carrier service: orders asking for it, tenders, failed ones, deliveries, late ones."""
    delivered = tn.join(p, p.c.order_id == tn.c.order_id)
    failed = case((tn.c.outcome != ACCEPTED, 1), else_=0)
    return union_all(
        _entry(o.c.carrier_service, o.c.created_at, o.c.id, ZERO, ZERO, ZERO, ZERO)
        .where(o.c.carrier_service.is_not(None)),
        _entry(tn.c.carrier_service, tn.c.at, None, ONE, failed, ZERO, ZERO),
        _entry(tn.c.carrier_service, p.c.delivered_at, None, ZERO, ZERO, ONE, _late())
        .select_from(delivered).where(tn.c.outcome == ACCEPTED, _delivered()),
    ).subquery()


def _cumulative(conn: Connection, timeline: Any, counts: int, own: bool
                ) -> dict[str, tuple[int, ...]]:
    """Per order: the sums of the time line's `counts` counts over what came before it; `own`:
    `c0` counts orders, the order itself included (hence the minus one)."""
    window = {"partition_by": timeline.c.k, "rows": (None, 0),
              "order_by": (timeline.c.at, timeline.c.rank, timeline.c.order_id)}
    sums = [func.sum(timeline.c[f"c{i}"]).over(**window).label(f"s{i}")
            for i in range(counts)]
    running = select(timeline.c.order_id, *sums).subquery()
    query = select(running).where(running.c.order_id.is_not(None))
    found: dict[str, tuple[int, ...]] = {}
    for row in conn.execute(query):
        values = [int(v or 0) for v in row[1:]]
        if own:
            values[0] -= 1
        found[row[0]] = tuple(values)
    return found
