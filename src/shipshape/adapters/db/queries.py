"""Named read queries for the API, the CLI and later the console, KPIs and ML features.

Lists answer a `Page` (see `paging`): filters as keyword arguments, a `sort` from the list's
closed set (`ORDER_SORTS`, ...), `limit` and `offset`. Amounts are text with their currency's
minor unit (`adapters.money`); orders, their lines and exception costs are in `currency`, the
configured one (`Settings.invoice_currency`: orders carry none of their own), invoices in
their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, func, select

from shipshape.adapters.db import delivery_queries, promise_queries
from shipshape.adapters.db import return_tables as rtt
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.integration_store import OPEN
from shipshape.adapters.db.paging import Page, order_by, page_of
from shipshape.adapters.money import money_or_none, money_text
from shipshape.domain.catalogue import OrderPulledFromWave
from shipshape.domain.promise import PromisePolicy, Situation, project

Row = dict[str, Any]
DEFAULT_CURRENCY = "USD"

_o, _x, _i, _s = t.orders.c, t.exception_cases.c, t.invoices.c, t.inventory.c
ORDER_SORTS: dict[str, ColumnElement[Any]] = {
    "created_at": _o.created_at, "updated_at": _o.updated_at, "status": _o.status,
    "customer_id": _o.customer_id, "requested_ship_date": _o.requested_ship_date}
INVOICE_SORTS: dict[str, ColumnElement[Any]] = {
    "created_at": _i.created_at, "updated_at": _i.updated_at, "status": _i.status,
    "customer_id": _i.customer_id}
STOCK_SORTS: dict[str, ColumnElement[Any]] = {
    "site_id": _s.site, "sku": _s.sku, "on_hand": _s.on_hand, "reserved": _s.reserved,
    "available": _s.on_hand - _s.reserved}
"""Every list's sorts: a key ascending, `-key` descending (`paging.sort_keys`). No amount is a
sort key: SQLite keeps amounts as text, which does not sort as numbers."""


def list_orders(engine: Engine, *, customer_id: str | None = None,
                customer_po: str | None = None, status: str | None = None,
                created_from: datetime | None = None, created_to: datetime | None = None,
                sort: str = "-created_at", limit: int = 100, offset: int = 0,
                currency: str = DEFAULT_CURRENCY, promise: str | None = None) -> Page:
    """Orders by customer, PO, status, promise (`at_risk`, `on_track`, `none`) and created
    between `created_from` and `created_to` (both included)."""
    query = matching(select(t.orders), {_o.customer_id: customer_id,
                                        _o.customer_po: customer_po, _o.status: status})
    if promise is not None:
        query = query.where(promise_queries.promise_filter(promise))
    query = between(query, _o.created_at, created_from, created_to)
    query = query.order_by(*order_by(ORDER_SORTS, sort, [_o.id]))
    return page_of(engine, query, limit, offset, lambda r: _order_summary(r, currency))


def order_detail(engine: Engine, order_id: str, currency: str = DEFAULT_CURRENCY,
                 promise: PromisePolicy | None = None, today: date | None = None) -> Row | None:
    """The order whole; `promise`: its promise projected `today` (default: now, UTC) under
    that policy (default: the default policy)."""
    with engine.connect() as conn:
        order = conn.execute(select(t.orders).where(_o.id == order_id)).mappings().first()
        if order is None:
            return None
        situations = promise_queries.promise_situations(conn, [order_id])
        lines = conn.execute(select(t.order_lines).where(t.order_lines.c.order_id == order_id)
                             .order_by(t.order_lines.c.line_no)).mappings().all()
        reserved = conn.execute(select(t.reservations).where(
            t.reservations.c.order_id == order_id).order_by(t.reservations.c.id)).mappings().all()
        cases = conn.execute(select(_x.id, _x.code, _x.status).where(
            _x.order_id == order_id).order_by(_x.opened_at, _x.id)).mappings().all()
        shipments, invoices = shipments_of(conn, order_id), invoices_of(conn, order_id)
        perfect = delivery_queries.perfect_order_of(conn, order_id)
    return {**_order_summary(order, currency), "lines": [_line(r, currency) for r in lines],
            "reservations": [_reservation(r) for r in reserved],
            "cases": [{"case_id": c["id"], "code": c["code"], "status": c["status"]}
                      for c in cases],
            "shipments": shipments, "invoices": invoices, "perfect_order": perfect,
            "promise": _promise(situations, promise or PromisePolicy(),
                                today or datetime.now(UTC).date())}


def _promise(situations: list[Situation], policy: PromisePolicy, today: date) -> Row | None:
    if not situations:
        return None
    situation = situations[0]
    projection = project(situation, today, policy)
    return {"state": projection.state.value,
            "projected": projection.projected.isoformat() if projection.projected else None,
            "cause": projection.cause.value if projection.cause else None,
            "at_risk_since": situation.at_risk_since.isoformat()
            if situation.at_risk_since else None,
            "transit_days": situation.transit_days}


def order_timeline(engine: Engine, order_id: str) -> list[Row]:
    e = t.order_events.c
    with engine.connect() as conn:
        rows = conn.execute(select(e.event_id, e.type, e.payload, e.occurred_at, e.request_id)
                            .where(e.stream == order_id).order_by(e.id)).mappings().all()
    return [{**r, "occurred_at": r["occurred_at"].isoformat()} for r in rows]


def list_invoices(engine: Engine, *, status: str | None = None, kind: str | None = None,
                  order_id: str | None = None, customer_id: str | None = None,
                  created_from: datetime | None = None, created_to: datetime | None = None,
                  sort: str = "-created_at", limit: int = 100, offset: int = 0) -> Page:
    """Invoices and credit notes by their fields and created between `created_from` and
    `created_to` (both included); amounts in each invoice's own currency."""
    query = matching(select(_i.id, _i.kind, _i.order_id, _i.shipment_id, _i.credits,
                            _i.customer_id, _i.status, _i.currency, _i.subtotal, _i.freight,
                            _i.tax, _i.total, _i.paid, _i.erp_ref, _i.reason, _i.created_at,
                            _i.updated_at),
                     {_i.status: status, _i.kind: kind, _i.order_id: order_id,
                      _i.customer_id: customer_id})
    query = between(query, _i.created_at, created_from, created_to)
    query = query.order_by(*order_by(INVOICE_SORTS, sort, [_i.id]))
    return page_of(engine, query, limit, offset, _invoice_row)


def list_stock(engine: Engine, *, site_id: str | None = None, sku: str | None = None,
               sort: str = "sku", limit: int = 100, offset: int = 0) -> Page:
    """Stock positions (a site's stock of one SKU) by site and SKU."""
    query = matching(select(_s.site, _s.sku, _s.on_hand, _s.reserved),
                     {_s.site: site_id, _s.sku: sku})
    query = query.order_by(*order_by(STOCK_SORTS, sort, [_s.sku, _s.site]))
    return page_of(engine, query, limit, offset, _position)


def stock_of(engine: Engine, sku: str) -> list[Row]:
    """Every site's stock of `sku`, by site, with what returns held back from sale
    (quarantined, scrapped)."""
    held = rtt.held_stock.c
    query = (select(_s.site, _s.sku, _s.on_hand, _s.reserved,
                    func.coalesce(held.quarantined, 0).label("quarantined"),
                    func.coalesce(held.scrapped, 0).label("scrapped"))
             .outerjoin(rtt.held_stock, (held.site == _s.site) & (held.sku == _s.sku))
             .where(_s.sku == sku))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(_s.site)).mappings().all()
    return [{**_position(r), "quarantined": r["quarantined"], "scrapped": r["scrapped"]}
            for r in rows]


def matching(query: Select[Any], equal: dict[ColumnElement[Any], Any]) -> Select[Any]:
    """`query` where each column equals its value; a None value does not filter."""
    for column, value in equal.items():
        if value is not None:
            query = query.where(column == value)
    return query


def between(query: Select[Any], column: ColumnElement[Any], start: datetime | None,
            end: datetime | None) -> Select[Any]:
    """`query` where `column` is from `start` to `end`, both included; None is open."""
    if start is not None:
        query = query.where(column >= start)
    if end is not None:
        query = query.where(column <= end)
    return query


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


def stock_totals(engine: Engine) -> Row:
    i = t.inventory.c
    with engine.connect() as conn:
        row = conn.execute(select(func.coalesce(func.sum(i.on_hand), 0).label("on_hand"),
                                  func.coalesce(func.sum(i.reserved), 0).label("reserved"),
                                  func.count().label("positions"))).mappings().one()
    return dict(row)


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


def shipments_of(conn: Any, order_id: str) -> list[Row]:
    s, sl = t.shipments.c, t.shipment_lines.c
    shipments = conn.execute(select(s.id, s.site, s.ship_date, s.carrier_service,
                                    s.tracking_number, s.label_ref)
                             .where(s.order_id == order_id).order_by(s.created_at, s.id))
    found = [{"shipment_id": r.id, "site_id": r.site, "ship_date": r.ship_date.isoformat(),
              "carrier_service": r.carrier_service, "tracking_number": r.tracking_number,
              "label_ref": r.label_ref} for r in shipments]
    for shipment in found:
        shipment["lines"] = [dict(r) for r in conn.execute(
            select(sl.line_no, sl.sku, sl.picked, sl.shipped)
            .where(sl.shipment_id == shipment["shipment_id"]).order_by(sl.line_no)).mappings()]
        shipment["delivery"] = delivery_queries.delivery_of(conn, str(shipment["shipment_id"]))
    return found


def invoices_of(conn: Any, order_id: str) -> list[Row]:
    i = t.invoices.c
    rows = conn.execute(select(i.id, i.kind, i.shipment_id, i.credits, i.status, i.currency,
                               i.total, i.erp_ref, i.reason)
                        .where(i.order_id == order_id).order_by(i.created_at, i.id)).mappings()
    return [{"invoice_id": r["id"], "kind": r["kind"], "shipment_id": r["shipment_id"],
             "credits": r["credits"], "status": r["status"], "currency": r["currency"],
             "total": money_text(r["total"], r["currency"]), "erp_ref": r["erp_ref"],
             "reason": r["reason"]} for r in rows]


def wave_detail(engine: Engine, wave_id: str) -> Row | None:
    """A wave as `POST /waves` answered it (the orders released, those pulled with their codes
    and cases), its status, every order's outcome with the reasons, and the wave's own
    timeline (the `WaveReleased` event and the WMS's answer, `SystemCalled`)."""
    w, wo = t.waves.c, t.wave_orders.c
    with engine.connect() as conn:
        wave = conn.execute(select(t.waves).where(w.id == wave_id)).mappings().first()
        if wave is None:
            return None
        orders = [dict(o) for o in conn.execute(
            select(wo.order_id, wo.outcome, wo.reasons).where(wo.wave_id == wave_id)
            .order_by(wo.outcome.desc(), wo.order_id)).mappings()]
        pulled = _pulled(conn, wave_id, [o["order_id"] for o in orders
                                         if o["outcome"] == "pulled"])
    released = [o["order_id"] for o in orders if o["outcome"] == "released"]
    return {"wave_id": wave["id"], "site_id": wave["site"], "trigger": wave["trigger"],
            "status": wave["status"], "released": released, "released_count": len(released),
            "pulled": pulled, "pulled_count": len(pulled), "check_ms": wave["check_ms"],
            "created_at": wave["created_at"].isoformat(), "orders": orders,
            "events": order_timeline(engine, wave_id)}


def _pulled(conn: Any, wave_id: str, order_ids: list[str]) -> list[Row]:
    """The orders pulled from the wave with their codes and the cases opened for them, as
    their `OrderPulledFromWave` events say."""
    if not order_ids:
        return []
    e = t.order_events.c
    events = conn.execute(select(e.order_id, e.payload).where(
        e.type == OrderPulledFromWave.TYPE, e.order_id.in_(order_ids)).order_by(e.id))
    said = {r.order_id: r.payload for r in events if r.payload.get("wave_id") == wave_id}
    return [{"order_id": order_id, "codes": list(said.get(order_id, {}).get("codes", [])),
             "cases": list(said.get(order_id, {}).get("cases", []))} for order_id in order_ids]


def _order_summary(r: Any, currency: str) -> Row:
    return {
        "order_id": r["id"], "status": r["status"], "channel": r["channel"],
        "external_id": r["external_id"], "customer_id": r["customer_id"],
        "customer_po": r["customer_po"], "release_number": r["release_number"] or None,
        "requested_ship_date": r["requested_ship_date"].isoformat()
        if r["requested_ship_date"] else None,
        "ship_to": r["ship_to"], "carrier_service": r["carrier_service"],
        "currency": currency, "value": money_text(r["value"], currency),
        "rule_version": r["rule_version"],
        "created_at": r["created_at"].isoformat(), "updated_at": r["updated_at"].isoformat(),
        "promised_date": r["promised_date"].isoformat() if r["promised_date"] else None,
        "promise_at_risk": r["promise_at_risk_since"] is not None,
    }


def _line(r: Any, currency: str) -> Row:
    return {"line_no": r["line_no"], "sku": r["sku"], "quantity": r["quantity"],
            "unit_price": money_or_none(r["unit_price"], currency), "uom": r["uom"]}


def _reservation(r: Any) -> Row:
    return {"line_no": r["line_no"], "site_id": r["site"], "sku": r["sku"],
            "quantity": r["quantity"]}


def _position(r: Any) -> Row:
    return {"site_id": r["site"], "sku": r["sku"], "on_hand": r["on_hand"],
            "reserved": r["reserved"], "available": r["on_hand"] - r["reserved"]}


def case_json(r: Any, currency: str) -> Row:
    row = {"case_id": r["id"], **{k: v for k, v in r.items() if k != "id"}}
    for key in ("sla_due_at", "opened_at", "resolved_at", "last_seen_at", "paused_at"):
        row[key] = row[key].isoformat() if row[key] else None
    for key in ("cost_expedited_freight", "cost_invoice_correction"):
        row[key] = money_text(row[key], currency)
    return {**row, "currency": currency}


def _invoice_row(r: Any) -> Row:
    row = {"invoice_id": r["id"], **{k: v for k, v in r.items() if k != "id"}}
    for key in ("subtotal", "freight", "tax", "total", "paid"):
        row[key] = money_text(row[key], r["currency"])
    return {**row, "created_at": r["created_at"].isoformat(),
            "updated_at": r["updated_at"].isoformat()}
