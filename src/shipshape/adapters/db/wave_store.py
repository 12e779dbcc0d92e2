"""Waves: choosing the orders due at a site, loading what the pre-wave check reads in a few
batched queries, and writing the wave with its orders.

**Locks.** On PostgreSQL `lock_due` takes the chosen order rows `FOR UPDATE SKIP LOCKED`: two
waves running at once never hold the same order, and neither waits for the other. The ordering
and the limit are applied in the same statement, so a second wave takes the next best orders.
Because a row that a concurrent wave released and committed can still pass the locking
statement's filter, `candidates` reads the rows again in a new statement (after the lock, so it
sees that commit) and keeps only those still due. SQLite has one writer at a time
(`BEGIN IMMEDIATE`), so there the whole wave is serial anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.bulk import Bulk
from shipshape.adapters.db.types import in_list as expanding_in_list
from shipshape.domain.findings import Finding
from shipshape.domain.inventory import Reservation
from shipshape.domain.masterdata import PRIORITY_RANK, Priority
from shipshape.domain.orders import OPEN_STATUSES, OrderDraft, OrderLine, OrderStatus, ShipTo
from shipshape.domain.waves import (
    DUE_STATUSES,
    STOCK_HOLDING_STATUSES,
    UNKNOWN_CUSTOMER_RANK,
    WaveCandidate,
)
from shipshape.services.ports import OpenOrder, WaveRecord

o, ol, r = t.orders.c, t.order_lines.c, t.reservations.c
w, wo, c = t.waves.c, t.wave_orders.c, t.customers.c
RELEASED = "released"
GIVING_WAY = (OrderStatus.HELD, OrderStatus.ACCEPTED)
"""The orders whose stock a count below what is reserved can take: not yet with the warehouse."""

INSERT_ENTRIES = Bulk(t.wave_orders.insert(), ["wave_id", "order_id", "outcome", "reasons"])
INSERT_FINDINGS = Bulk(t.order_findings.insert(), [
    "order_id", "stage", "code", "severity", "kind", "owner_team", "rule", "line_nos",
    "message", "recorded_at"])


def in_list(col: ColumnElement[str], name: str, dialect_name: str) -> ColumnElement[bool]:
    """`col IN (...)` of a list given as the parameter `name`. On PostgreSQL one array parameter,
    `col = ANY(:name)`: an expanding IN of a wave's 1,000 ids is rendered and parsed anew on
    every execution (several milliseconds each); SQLite keeps `types.in_list` (`json_each`)."""
    if dialect_name == "postgresql":
        return col == any_(bindparam(name, type_=ARRAY(String)))
    return expanding_in_list(col, name, dialect_name)


def unreleased(reservation: Any) -> ColumnElement[bool]:
    """No wave at the reservation's site released its order since it was made: it is new, or
    a short pick elsewhere re-sourced it here after this site's wave."""
    later_wo, later_wave = t.wave_orders.alias("later_wo").c, t.waves.alias("later_wave").c
    return ~exists().where(later_wo.order_id == reservation.order_id,
                           later_wo.outcome == RELEASED, later_wave.id == later_wo.wave_id,
                           later_wave.site == reservation.site,
                           later_wave.created_at >= reservation.created_at)


def _due() -> ColumnElement[bool]:
    """Holds a reservation at `site` that no wave there released yet, and is accepted or
    released (elsewhere, or here before a re-sourced shortfall arrived)."""
    reserved_here = exists().where(r.order_id == o.id, r.site == bindparam("site"),
                                   unreleased(r))
    return and_(reserved_here, or_(o.status == OrderStatus.ACCEPTED.value,
                                   o.status == OrderStatus.RELEASED.value))


def _rank() -> ColumnElement[int]:
    """`domain.waves.wave_rank` in SQL: the customer's priority rank (unknown customers last)."""
    known = case({p.value: rank for p, rank in PRIORITY_RANK.items()}, value=c.priority,
                 else_=PRIORITY_RANK[Priority.STANDARD])
    return case((c.id.is_(None), UNKNOWN_CUSTOMER_RANK), else_=known)


@cache
def _due_query(dialect_name: str) -> Select[Any]:
    query = (select(o.id).select_from(t.orders.outerjoin(t.customers, c.id == o.customer_id))
             .where(o.status.in_([s.value for s in DUE_STATUSES]), _due())
             .order_by(_rank(), o.requested_ship_date.asc().nulls_last(), o.created_at, o.id)
             .limit(bindparam("limit")))
    if dialect_name == "postgresql":
        return query.with_for_update(of=t.orders, skip_locked=True)
    return query


@cache
def _candidate_queries(dialect_name: str) -> tuple[Select[Any], Select[Any], Select[Any]]:
    orders = select(o.id, o.status, o.channel, o.external_id, o.customer_id, o.customer_po,
                    o.requested_ship_date, o.ship_to, o.carrier_service, o.created_at).where(
        in_list(o.id, "ids", dialect_name), o.status.in_([s.value for s in DUE_STATUSES]),
        _due())
    lines = select(ol.order_id, ol.line_no, ol.sku, ol.quantity, ol.unit_price, ol.uom).where(
        in_list(ol.order_id, "ids", dialect_name)).order_by(ol.order_id, ol.line_no)
    reservations = (
        select(r.order_id, r.line_no, r.sku, func.sum(r.quantity))
        .where(in_list(r.order_id, "ids", dialect_name), r.site == bindparam("site"),
               unreleased(r))
        .group_by(r.order_id, r.line_no, r.sku).having(func.sum(r.quantity) > 0))
    return orders, lines, reservations


@cache
def _stock_queries(dialect_name: str) -> tuple[Select[Any], Select[Any]]:
    inv = t.inventory.c
    on_hand = select(inv.sku, inv.on_hand).where(
        inv.site == bindparam("site"), in_list(inv.sku, "skus", dialect_name))
    reserved = (
        select(r.sku, func.sum(r.quantity)).join(t.orders, o.id == r.order_id)
        .where(r.site == bindparam("site"), in_list(r.sku, "skus", dialect_name),
               o.status.in_([s.value for s in STOCK_HOLDING_STATUSES]))
        .group_by(r.sku))
    return on_hand, reserved


@cache
def _holders_query() -> Select[Any]:
    """Held and accepted orders with what they hold of a SKU at a site: held ones first, then
    last in wave order first."""
    held = (select(r.order_id, func.sum(r.quantity).label("quantity"))
            .where(r.site == bindparam("site"), r.sku == bindparam("sku"))
            .group_by(r.order_id).having(func.sum(r.quantity) > 0).subquery())
    return (select(o.id, held.c.quantity)
            .select_from(t.orders.join(held, held.c.order_id == o.id)
                         .outerjoin(t.customers, c.id == o.customer_id))
            .where(o.status.in_([s.value for s in GIVING_WAY]))
            .order_by(case((o.status == OrderStatus.HELD.value, 0), else_=1), _rank().desc(),
                      o.requested_ship_date.desc().nulls_first(), o.created_at.desc(),
                      o.id.desc()))


class SqlWaves:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name

    def lock_due(self, site: str, limit: int) -> list[str]:
        rows = self._conn.execute(_due_query(self._dialect), {"site": site, "limit": limit})
        return [row[0] for row in rows]

    def candidates(self, site: str, order_ids: Sequence[str]) -> list[WaveCandidate]:
        orders, lines, reservations = _candidate_queries(self._dialect)
        params = {"ids": list(order_ids), "site": site}
        by_order: dict[str, list[OrderLine]] = {}
        for order_id, line_no, sku, quantity, price, uom in self._conn.execute(lines,
                                                                               params).all():
            by_order.setdefault(order_id, []).append(OrderLine(line_no, sku, quantity, price,
                                                               uom))
        reserved: dict[str, list[Reservation]] = {}
        for order_id, line_no, sku, quantity in self._conn.execute(reservations,
                                                                    params).all():
            reserved.setdefault(order_id, []).append(Reservation(line_no, site, sku,
                                                                 int(quantity)))
        return [_candidate(row, by_order.get(row.id, []), reserved.get(row.id, []))
                for row in self._conn.execute(orders, params).all()]

    def stock(self, site: str, skus: Iterable[str]
              ) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
        on_hand_query, reserved_query = _stock_queries(self._dialect)
        params = {"site": site, "skus": sorted(set(skus))}
        on_hand = {(site, sku): int(qty) for sku, qty in self._conn.execute(on_hand_query,
                                                                             params)}
        reserved = {(site, sku): int(qty) for sku, qty in self._conn.execute(reserved_query,
                                                                              params)}
        return on_hand, reserved

    def holders(self, site: str, sku: str) -> list[tuple[str, int]]:
        rows = self._conn.execute(_holders_query(), {"site": site, "sku": sku})
        return [(order_id, int(quantity)) for order_id, quantity in rows]

    def exposures(self, customer_ids: Iterable[str]) -> dict[str, Decimal]:
        ce = t.credit_exposure.c
        rows = self._conn.execute(select(ce.customer_id, ce.open_value).where(
            in_list(ce.customer_id, "ids", self._dialect)), {"ids": sorted(set(customer_ids))})
        return {customer_id: Decimal(value) for customer_id, value in rows}

    def add(self, wave: WaveRecord) -> None:
        released = sum(1 for e in wave.entries if e.outcome == RELEASED)
        self._conn.execute(t.waves.insert().values(
            id=wave.id, site=wave.site, trigger=wave.trigger, status=wave.status,
            released=released, pulled=len(wave.entries) - released, check_ms=wave.check_ms,
            created_at=wave.created_at))
        if wave.entries:
            INSERT_ENTRIES.execute(self._conn, [(wave.id, e.order_id, e.outcome, e.reasons)
                                                for e in wave.entries])

    def set_status(self, order_ids: Sequence[str], status: OrderStatus, at: datetime) -> None:
        if order_ids:
            self._conn.execute(
                update(t.orders).where(in_list(o.id, "ids", self._dialect))
                .values(status=status.value, updated_at=at), {"ids": list(order_ids)})

    def add_findings(self, findings: Mapping[str, Sequence[Finding]], stage: str,
                     at: datetime) -> None:
        rows = [(order_id, stage, f.code, f.severity.value, f.kind.value, f.owner_team, f.rule,
                 list(f.line_nos), f.message, at)
                for order_id, found in findings.items() for f in found]
        if rows:
            INSERT_FINDINGS.execute(self._conn, rows)

    def open_orders_of(self, customer_id: str) -> list[OpenOrder]:
        query = (select(o.id, o.status, o.value, o.requested_ship_date)
                 .where(o.customer_id == customer_id,
                        o.status.in_([s.value for s in OPEN_STATUSES]))
                 .order_by(o.id))
        if self._dialect == "postgresql":
            query = query.with_for_update()
        orders = self._conn.execute(query).all()
        if not orders:
            return []
        sites: dict[str, set[str]] = {}
        for order_id, site in self._conn.execute(
                select(r.order_id, r.site).where(in_list(r.order_id, "ids", self._dialect)),
                {"ids": [row.id for row in orders]}):
            sites.setdefault(order_id, set()).add(site)
        return [OpenOrder(row.id, OrderStatus(row.status), Decimal(row.value),
                          row.requested_ship_date, tuple(sorted(sites.get(row.id, ()))))
                for row in orders]


def _candidate(row: Any, lines: list[OrderLine], reservations: list[Reservation]
               ) -> WaveCandidate:
    ship_to = row.ship_to if isinstance(row.ship_to, dict) else {}
    draft = OrderDraft(
        channel=row.channel, external_id=row.external_id, customer_id=row.customer_id,
        customer_po=row.customer_po, requested_ship_date=row.requested_ship_date,
        ship_to=ShipTo(ship_to.get("name"), ship_to.get("line1"), ship_to.get("city"),
                       ship_to.get("region"), ship_to.get("postal_code"),
                       ship_to.get("country")),
        lines=tuple(lines), carrier_service=row.carrier_service)
    return WaveCandidate(row.id, OrderStatus(row.status), draft, row.created_at,
                         tuple(reservations))
