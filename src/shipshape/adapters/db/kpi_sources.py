"""The records each KPI is counted over (`domain/kpis.py`), as SQL: for each, the tables it reads,
the moment a period filters, the column a customer's scope filters, and the key of each
dimension it can be grouped by. The same statements serve SQLite and PostgreSQL; only a day and
a duration are spelled per dialect."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, extract, func, select, union

from shipshape.adapters.db import tables as t
from shipshape.domain.integration import OPERATION_STAGES
from shipshape.domain.invoicing import InvoiceKind
from shipshape.domain.kpis import Dimension

D = Dimension
o, cu, x, p = t.orders.c, t.customers.c, t.exception_cases.c, t.perfect_orders.c
sh, rs, iv, ev, dl, td = (t.shipments.c, t.reservations.c, t.invoices.c, t.order_events.c,
                          t.dead_letters.c, t.tenders.c)
SYSTEM_CALLED = "SystemCalled"
TENDER, TMS = "tender", "tms"
OUR_OWN = "shipshape"
"""The source system of a dead letter no other system's call left (a consumer of ours failed)."""


@dataclass(frozen=True, slots=True)
class Window:
    """The period (both ends included; None: open) and the one customer counted (None: all)."""

    start: datetime | None = None
    end: datetime | None = None
    customer_id: str | None = None


@dataclass(frozen=True)
class Source:
    base: FromClause
    at: ColumnElement[Any]
    """The moment of each record that the period filters (and the day dimension groups by)."""
    customer: ColumnElement[Any]
    keys: Mapping[Dimension, ColumnElement[Any]]
    """The key of each dimension the records carry as a column."""
    where: tuple[ColumnElement[bool], ...] = ()
    sites: tuple[FromClause, ColumnElement[Any]] | None = None
    """(order id, site) rows and the records' order id: the site dimension of records whose
    order may be at several sites (joined only when grouping by site)."""
    relabel: Mapping[Dimension, Callable[[Any], str | None]] = field(default_factory=dict)
    """Keys grouped by a column and named from its value (a call's stage from its
    operation): groups whose values share a name are one group."""
    constants: Mapping[Dimension, str] = field(default_factory=dict)
    """Keys that are the same for every record (every tender is the TMS's)."""

    def select(self, window: Window, by: Dimension | None, *columns: Any,
               group: bool = True) -> Select[Any]:
        """`columns` over the records of `window`; with `by`, its key first (labelled `key`)
        and, when `group`, grouped by it."""
        base = self.base
        key: ColumnElement[Any] | None = None
        if by is D.SITE and self.sites is not None:
            sites, order_id = self.sites
            base = base.outerjoin(sites, sites.c.order_id == order_id)
            key = sites.c.site
        elif by is not None:
            key = self.keys[by]
        query = select(*([] if key is None else [key.label("key")]), *columns) \
            .select_from(base).where(*self.where)
        if window.start is not None:
            query = query.where(self.at >= window.start)
        if window.end is not None:
            query = query.where(self.at <= window.end)
        if window.customer_id is not None:
            query = query.where(self.customer == window.customer_id)
        return query.group_by(key) if key is not None and group else query


def day_of(column: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """The UTC day of a moment as `YYYY-MM-DD`."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


def seconds_between(start: ColumnElement[Any], end: ColumnElement[Any],
                    dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def stage_of(operation: Any) -> str | None:
    """The journey stage of a call's operation (`domain.integration.OPERATION_STAGES`)."""
    return OPERATION_STAGES.get(str(operation)) if operation is not None else None


@dataclass(frozen=True)
class Sources:
    orders: Source
    """Orders created in the period (the exception rate's denominator)."""
    opened: Source
    """Cases opened in the period."""
    closed: Source
    """Cases closed in the period: their recorded cost and time to resolve."""
    delivered: Source
    """Orders whose last shipment was delivered in the period (the perfect order)."""
    credit_notes: Source
    calls: Source
    """Calls to other systems answered in the period (`SystemCalled`)."""
    tenders: Source
    """Tenders to carriers through the TMS in the period (each attempt is a call, kept in
    `tenders` instead of a `SystemCalled`)."""
    dead_letters: Source


@lru_cache(maxsize=4)
def sources(dialect: str) -> Sources:
    """The KPIs' records on `dialect` (statements built once a dialect)."""
    def day(column: ColumnElement[Any]) -> ColumnElement[Any]:
        return day_of(column, dialect)

    order_sites = union(select(rs.order_id, rs.site), select(sh.order_id, sh.site)) \
        .subquery("order_sites")
    shipped_from = select(sh.order_id, sh.site).distinct().subquery("shipped_from")
    cases = t.exception_cases.outerjoin(t.orders, o.id == x.order_id)

    def case_keys(at: ColumnElement[Any]) -> dict[Dimension, ColumnElement[Any]]:
        return {D.DAY: day(at), D.SITE: x.site_id, D.SEGMENT: x.customer_segment,
                D.CHANNEL: o.channel, D.STAGE: x.stage, D.SOURCE_SYSTEM: x.source_system,
                D.OWNER_TEAM: x.owner_team}

    called = ev.payload["operation"].as_string()
    return Sources(
        orders=Source(t.orders.outerjoin(t.customers, cu.id == o.customer_id), o.created_at,
                      o.customer_id, {D.DAY: day(o.created_at), D.SEGMENT: cu.segment,
                                      D.CHANNEL: o.channel},
                      sites=(order_sites, o.id)),
        opened=Source(cases, x.opened_at, x.customer_id, case_keys(x.opened_at)),
        closed=Source(cases, x.resolved_at, x.customer_id, case_keys(x.resolved_at),
                      where=(x.resolved_at.is_not(None),)),
        delivered=Source(
            t.perfect_orders.outerjoin(t.orders, o.id == p.order_id)
            .outerjoin(t.customers, cu.id == p.customer_id),
            p.delivered_at, p.customer_id,
            {D.DAY: day(p.delivered_at), D.SEGMENT: cu.segment, D.CHANNEL: o.channel},
            where=(p.delivered.is_(True), p.delivered_at.is_not(None)),
            sites=(shipped_from, p.order_id)),
        credit_notes=Source(
            t.invoices.outerjoin(t.orders, o.id == iv.order_id)
            .outerjoin(t.customers, cu.id == iv.customer_id)
            .outerjoin(t.shipments, sh.id == iv.shipment_id),
            iv.created_at, iv.customer_id,
            {D.DAY: day(iv.created_at), D.SITE: sh.site, D.SEGMENT: cu.segment,
             D.CHANNEL: o.channel},
            where=(iv.kind == InvoiceKind.CREDIT_NOTE.value,)),
        calls=Source(
            t.order_events.outerjoin(t.orders, o.id == ev.order_id)
            .outerjoin(t.customers, cu.id == o.customer_id),
            ev.occurred_at, o.customer_id,
            {D.DAY: day(ev.occurred_at), D.SEGMENT: cu.segment, D.CHANNEL: o.channel,
             D.STAGE: called, D.SOURCE_SYSTEM: ev.payload["system"].as_string()},
            where=(ev.type == SYSTEM_CALLED,), relabel={D.STAGE: stage_of}),
        tenders=Source(
            t.tenders.outerjoin(t.orders, o.id == td.order_id)
            .outerjoin(t.customers, cu.id == o.customer_id),
            td.at, o.customer_id,
            {D.DAY: day(td.at), D.SEGMENT: cu.segment, D.CHANNEL: o.channel},
            constants={D.STAGE: OPERATION_STAGES[TENDER], D.SOURCE_SYSTEM: TMS}),
        dead_letters=Source(
            t.dead_letters.outerjoin(t.orders, o.id == dl.msg_key)
            .outerjoin(t.customers, cu.id == o.customer_id),
            dl.created_at, o.customer_id,
            {D.DAY: day(dl.created_at), D.SEGMENT: cu.segment, D.CHANNEL: o.channel,
             D.STAGE: dl.operation, D.SOURCE_SYSTEM: func.coalesce(dl.system, OUR_OWN)},
            relabel={D.STAGE: stage_of}),
    )
