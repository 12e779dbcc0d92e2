"""Named read queries for the API, the CLI and later the console, KPIs and ML features."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, func, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.integration_store import OPEN

Row = dict[str, Any]


def order_detail(engine: Engine, order_id: str) -> Row | None:
    with engine.connect() as conn:
        order = conn.execute(select(t.orders).where(t.orders.c.id == order_id)).mappings().first()
        if order is None:
            return None
        lines = conn.execute(select(t.order_lines).where(t.order_lines.c.order_id == order_id)
                             .order_by(t.order_lines.c.line_no)).mappings().all()
        reserved = conn.execute(select(t.reservations).where(
            t.reservations.c.order_id == order_id).order_by(t.reservations.c.id)).mappings().all()
        cases = conn.execute(select(t.exception_cases.c.id, t.exception_cases.c.code,
                                    t.exception_cases.c.status).where(
            t.exception_cases.c.order_id == order_id)).mappings().all()
        shipments, invoices = shipments_of(conn, order_id), invoices_of(conn, order_id)
    return {**_order_summary(order), "lines": [_line(r) for r in lines],
            "reservations": [_reservation(r) for r in reserved],
            "cases": [dict(c) for c in cases], "shipments": shipments, "invoices": invoices}


def find_orders(engine: Engine, customer_id: str | None = None, customer_po: str | None = None,
                status: str | None = None, limit: int = 100, offset: int = 0) -> list[Row]:
    query = select(t.orders).order_by(t.orders.c.created_at.desc(), t.orders.c.id)
    for column, value in (("customer_id", customer_id), ("customer_po", customer_po),
                          ("status", status)):
        if value is not None:
            query = query.where(t.orders.c[column] == value)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
    return [_order_summary(r) for r in rows]


def order_timeline(engine: Engine, order_id: str) -> list[Row]:
    e = t.order_events.c
    with engine.connect() as conn:
        rows = conn.execute(select(e.event_id, e.type, e.payload, e.occurred_at).where(
            e.order_id == order_id).order_by(e.id)).mappings().all()
    return [{**r, "occurred_at": r["occurred_at"].isoformat()} for r in rows]


def find_exceptions(engine: Engine, status: str | None = None, code: str | None = None,
                    order_id: str | None = None, limit: int = 100, offset: int = 0) -> list[Row]:
    c = t.exception_cases.c
    query = select(t.exception_cases).order_by(c.opened_at.desc(), c.id)
    for column, value in (("status", status), ("code", code), ("order_id", order_id)):
        if value is not None:
            query = query.where(c[column] == value)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
    return [_case(r) for r in rows]


def stock_of(engine: Engine, sku: str) -> list[Row]:
    i = t.inventory.c
    with engine.connect() as conn:
        rows = conn.execute(select(i.site, i.on_hand, i.reserved).where(i.sku == sku)
                            .order_by(i.site)).mappings().all()
    return [{**r, "available": r["on_hand"] - r["reserved"]} for r in rows]


def findings_by_code_and_stage(engine: Engine) -> list[Row]:
    """What the control points caught: findings counted by stage, code and severity."""
    f = t.order_findings.c
    query = (select(f.stage, f.code, f.kind, f.severity, func.count().label("findings"))
             .group_by(f.stage, f.code, f.kind, f.severity)
             .order_by(f.stage, func.count().desc(), f.code))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def orders_by_status(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(t.orders.c.status, func.count()).group_by(t.orders.c.status))
        return {status: count for status, count in rows}


def event_count(engine: Engine) -> int:
    """How many order events exist: a cheap measure of whether anything is still happening."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.order_events)).scalar_one())


def open_cases_by_code(engine: Engine) -> dict[str, int]:
    c = t.exception_cases.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.code, func.count()).where(
            c.status.in_(["open", "assigned"])).group_by(c.code)).all()
    return {code: int(count) for code, count in rows}


def tender_outcomes(engine: Engine) -> dict[str, int]:
    c = t.tenders.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.outcome, func.count()).group_by(c.outcome)).all()
    return {outcome: int(count) for outcome, count in rows}


def shipments_of(conn: Any, order_id: str) -> list[Row]:
    s, sl = t.shipments.c, t.shipment_lines.c
    shipments = conn.execute(select(s.id, s.site, s.ship_date, s.carrier_service,
                                    s.tracking_number, s.label_ref)
                             .where(s.order_id == order_id).order_by(s.created_at)).mappings()
    found = [dict(row) for row in shipments]
    for shipment in found:
        shipment["ship_date"] = shipment["ship_date"].isoformat()
        shipment["lines"] = [dict(r) for r in conn.execute(
            select(sl.line_no, sl.sku, sl.picked, sl.shipped)
            .where(sl.shipment_id == shipment["id"]).order_by(sl.line_no)).mappings()]
    return found


def find_invoices(engine: Engine, status: str | None = None, order_id: str | None = None,
                  limit: int = 100, offset: int = 0) -> list[Row]:
    i = t.invoices.c
    query = select(i.id, i.kind, i.order_id, i.shipment_id, i.credits, i.customer_id, i.status,
                   i.currency, i.total, i.erp_ref, i.reason, i.created_at, i.updated_at)
    if status is not None:
        query = query.where(i.status == status)
    if order_id is not None:
        query = query.where(i.order_id == order_id)
    query = query.order_by(i.created_at.desc(), i.id).limit(limit).offset(offset)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{**dict(r), "total": str(r["total"]), "created_at": r["created_at"].isoformat(),
             "updated_at": r["updated_at"].isoformat()} for r in rows]


def invoices_of(conn: Any, order_id: str) -> list[Row]:
    i = t.invoices.c
    rows = conn.execute(select(i.id, i.kind, i.shipment_id, i.credits, i.status, i.currency,
                               i.total, i.erp_ref, i.reason)
                        .where(i.order_id == order_id).order_by(i.created_at, i.id)).mappings()
    return [{**dict(r), "total": str(r["total"])} for r in rows]


def stock_totals(engine: Engine) -> Row:
    i = t.inventory.c
    with engine.connect() as conn:
        row = conn.execute(select(func.coalesce(func.sum(i.on_hand), 0).label("on_hand"),
                                  func.coalesce(func.sum(i.reserved), 0).label("reserved"),
                                  func.count().label("positions"))).mappings().one()
    return dict(row)


def _order_summary(r: Any) -> Row:
    return {
        "order_id": r["id"], "status": r["status"], "channel": r["channel"],
        "external_id": r["external_id"], "customer_id": r["customer_id"],
        "customer_po": r["customer_po"], "release_number": r["release_number"] or None,
        "requested_ship_date": r["requested_ship_date"].isoformat()
        if r["requested_ship_date"] else None,
        "ship_to": r["ship_to"], "carrier_service": r["carrier_service"],
        "value": str(r["value"]), "rule_version": r["rule_version"],
        "created_at": r["created_at"].isoformat(), "updated_at": r["updated_at"].isoformat(),
    }


def _line(r: Any) -> Row:
    return {"line_no": r["line_no"], "sku": r["sku"], "quantity": r["quantity"],
            "unit_price": None if r["unit_price"] is None else str(r["unit_price"]),
            "uom": r["uom"]}


def _reservation(r: Any) -> Row:
    return {"line_no": r["line_no"], "site": r["site"], "sku": r["sku"], "quantity": r["quantity"]}


def _case(r: Any) -> Row:
    row = dict(r)
    for key in ("sla_due_at", "opened_at", "resolved_at"):
        row[key] = row[key].isoformat() if row[key] else None
    for key in ("cost_expedited_freight", "cost_invoice_correction"):
        row[key] = str(row[key])
    return row


def open_dead_letters(engine: Engine) -> int:
    """How many dead letters wait for a replay or a decision (status 'open')."""
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(t.dead_letters)
                             .where(t.dead_letters.c.status == OPEN)).scalar_one()
    return int(count)


def consumer_progress(engine: Engine, consumer: str, event_types: Iterable[str]) -> tuple[int, int]:
    """(events of `event_types` written, events `consumer` has recorded in its inbox)."""
    with engine.connect() as conn:
        written = conn.execute(select(func.count()).select_from(t.order_events).where(
            t.order_events.c.type.in_(list(event_types)))).scalar_one()
        done = conn.execute(select(func.count()).select_from(t.inbox).where(
            t.inbox.c.consumer == consumer)).scalar_one()
    return int(written), int(done)


def wave_detail(engine: Engine, wave_id: str) -> Row | None:
    """A wave, its orders (released or pulled, with the reasons) and its own timeline (the
    `WaveReleased` event and the WMS's answer, `SystemCalled`)."""
    w, wo = t.waves.c, t.wave_orders.c
    with engine.connect() as conn:
        wave = conn.execute(select(t.waves).where(w.id == wave_id)).mappings().first()
        if wave is None:
            return None
        orders = conn.execute(select(wo.order_id, wo.outcome, wo.reasons)
                              .where(wo.wave_id == wave_id)
                              .order_by(wo.outcome.desc(), wo.order_id)).mappings().all()
    return {"wave_id": wave["id"], "site": wave["site"], "trigger": wave["trigger"],
            "status": wave["status"], "released": wave["released"], "pulled": wave["pulled"],
            "check_ms": wave["check_ms"], "created_at": wave["created_at"].isoformat(),
            "orders": [dict(o) for o in orders], "events": order_timeline(engine, wave_id)}
