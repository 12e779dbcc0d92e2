"""Named reads of the exception desk: the queue with its filters and SLA states, and one case
whole (its history, its order, the stock of its order's items per site)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, select
from sqlalchemy.engine import RowMapping

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.paging import Page, order_by, page_of
from shipshape.adapters.db.queries import between, case_json, matching, order_detail

Row = dict[str, Any]
SlaOf = Callable[[RowMapping], Row]
"""A case row's SLA clock as the API shows it (`state`, `due_at`, `remaining_s`...)."""

_x = t.exception_cases.c
CASE_SORTS: dict[str, ColumnElement[Any]] = {
    "sla_due_at": _x.sla_due_at, "opened_at": _x.opened_at, "status": _x.status,
    "code": _x.code, "severity": _x.severity, "order_id": _x.order_id,
    "priority": _x.priority, "occurrences": _x.occurrences}


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Each field, when given, must equal the case's; `sla_state` is the clock's state now."""

    status: str | None = None
    code: str | None = None
    kind: str | None = None
    stage: str | None = None
    owner_team: str | None = None
    queue: str | None = None
    assignee: str | None = None
    site_id: str | None = None
    segment: str | None = None
    customer_id: str | None = None
    order_id: str | None = None
    sla_state: str | None = None
    scope: str | None = None
    """The only customer the caller may see (a customer-scoped token); None: every one."""
    opened_from: datetime | None = None
    opened_to: datetime | None = None


def list_cases(engine: Engine, where: CaseFilter, sla_of: SlaOf, *, sort: str = "sla_due_at",
               limit: int = 100, offset: int = 0, currency: str = "USD") -> Page:
    """Cases matching `where`, each with its SLA clock. Filtering by SLA state computes the
    clock of every case the other filters match, then pages."""
    query = _filtered(where).order_by(*order_by(CASE_SORTS, sort, [_x.id]))

    def shape(row: RowMapping) -> Row:
        return {**case_json(row, currency), "sla": sla_of(row)}

    if where.sla_state is None:
        return page_of(engine, query, limit, offset, shape)
    with engine.connect() as conn:
        rows = [shape(r) for r in conn.execute(query).mappings()]
    kept = [r for r in rows if r["sla"]["state"] == where.sla_state]
    return Page(kept[offset:offset + limit], len(kept), limit, offset)


def _filtered(where: CaseFilter) -> Select[Any]:
    query = matching(select(t.exception_cases), {
        _x.status: where.status, _x.code: where.code, _x.kind: where.kind,
        _x.stage: where.stage, _x.owner_team: where.owner_team, _x.queue: where.queue,
        _x.assignee: where.assignee, _x.site_id: where.site_id,
        _x.customer_segment: where.segment, _x.customer_id: where.customer_id,
        _x.order_id: where.order_id})
    if where.scope is not None:
        query = query.where(_x.customer_id == where.scope)
    return between(query, _x.opened_at, where.opened_from, where.opened_to)


def case_row(engine: Engine, case_id: str) -> RowMapping | None:
    with engine.connect() as conn:
        return conn.execute(select(t.exception_cases).where(_x.id == case_id)).mappings().first()


def case_detail(engine: Engine, row: RowMapping, sla_of: SlaOf, currency: str = "USD") -> Row:
    """The case with its SLA clock, its history (every event linked to it), its order and
    the stock of the order's items at each site."""
    order = order_detail(engine, row["order_id"], currency) if row["order_id"] else None
    skus = sorted({line["sku"] for line in order["lines"]}) if order else []
    return {**case_json(row, currency), "sla": sla_of(row),
            "history": case_history(engine, row["id"]), "order": order,
            "availability": availability(engine, skus)}


def case_history(engine: Engine, case_id: str) -> list[Row]:
    e, o = t.order_events.c, t.event_objects.c
    query = (select(e.event_id, e.type, e.payload, e.occurred_at)
             .join(t.event_objects, o.event_id == e.event_id)
             .where(o.object_type == "case", o.object_id == case_id).order_by(e.id))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{"event_id": r["event_id"], "type": r["type"], "payload": r["payload"],
             "occurred_at": r["occurred_at"].isoformat()} for r in rows]


def availability(engine: Engine, skus: list[str]) -> list[Row]:
    """Per SKU and site: on hand, reserved and available."""
    if not skus:
        return []
    s = t.inventory.c
    query = (select(s.site, s.sku, s.on_hand, s.reserved).where(s.sku.in_(skus))
             .order_by(s.sku, s.site))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{"sku": r["sku"], "site_id": r["site"], "on_hand": r["on_hand"],
             "reserved": r["reserved"], "available": r["on_hand"] - r["reserved"]}
            for r in rows]


def open_letter_of_case(engine: Engine, case_id: str) -> int | None:
    """The open dead letter whose failure the case is about, if there is one."""
    d = t.dead_letters.c
    with engine.connect() as conn:
        found = conn.execute(select(d.id).where(d.case_id == case_id, d.status == "open")
                             .order_by(d.id).limit(1)).scalar()
    return int(found) if found is not None else None
