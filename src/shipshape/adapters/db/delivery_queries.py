"""Named reads of delivery facts: a shipment's delivery state (for the order's read), an
order's perfect-order facts, and every order's facts for the KPIs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select

from shipshape.adapters.db import tables as t

Row = dict[str, Any]
d, dd, p = t.shipment_deliveries.c, t.delivery_discrepancies.c, t.perfect_orders.c
DELIVERY_OF_SHIPMENT = (select(d.state, d.delivered_at, d.pod_reference, d.signee,
                               d.failure_reason, d.attempts)
                        .where(d.shipment_id == bindparam("shipment_id")))
DISCREPANCIES_OF_SHIPMENT = (select(dd.line_no, dd.damaged, dd.short)
                             .where(dd.shipment_id == bindparam("shipment_id"))
                             .order_by(dd.line_no))
_FACTS = (p.promised_by, p.delivered, p.delivered_at, p.on_time, p.in_full, p.damage_free,
          p.invoiced_accurately, p.perfect)
PERFECT_ORDER_OF = select(*_FACTS).where(p.order_id == bindparam("order_id"))
PERFECT_ORDER_FACTS = (select(p.order_id, p.customer_id, *_FACTS, p.updated_at)
                       .order_by(p.updated_at, p.order_id))
"""Every order's perfect-order facts (the KPIs' input), oldest update first."""


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def delivery_of(conn: Connection, shipment_id: str) -> Row:
    """The shipment's delivery state as the TMS reported it (`shipped`: nothing yet), with the
    damaged or short quantities per line."""
    row = conn.execute(DELIVERY_OF_SHIPMENT, {"shipment_id": shipment_id}).mappings().first()
    lines = [dict(r) for r in conn.execute(DISCREPANCIES_OF_SHIPMENT,
                                           {"shipment_id": shipment_id}).mappings()]
    if row is None:
        return {"state": "shipped", "delivered_at": None, "pod_reference": None, "signee": None,
                "failure_reason": None, "attempts": 0, "discrepancies": lines}
    return {**row, "delivered_at": _iso(row["delivered_at"]), "discrepancies": lines}


def perfect_order_of(conn: Connection, order_id: str) -> Row | None:
    """The order's perfect-order facts (None before it shipped)."""
    row = conn.execute(PERFECT_ORDER_OF, {"order_id": order_id}).mappings().first()
    if row is None:
        return None
    return {**row, "promised_by": _iso(row["promised_by"]),
            "delivered_at": _iso(row["delivered_at"])}


def perfect_order_facts(engine: Engine) -> list[Row]:
    """Every order's perfect-order facts, oldest update first."""
    with engine.connect() as conn:
        return [{**row, "promised_by": _iso(row["promised_by"]),
                 "delivered_at": _iso(row["delivered_at"]), "updated_at": _iso(row["updated_at"])}
                for row in conn.execute(PERFECT_ORDER_FACTS).mappings()]


def delivery_totals(engine: Engine) -> dict[str, int]:
    """Shipments per delivery state (`shipped`: the TMS said nothing yet; out for delivery
    counts as in transit), orders delivered late, shipments delivered damaged and short."""
    sh = t.shipments.c
    with engine.connect() as conn:
        states: dict[str, int] = {str(state): int(count) for state, count in conn.execute(
            select(func.coalesce(d.state, "shipped"), func.count())
            .select_from(t.shipments.outerjoin(t.shipment_deliveries,
                                               d.shipment_id == sh.id))
            .group_by(func.coalesce(d.state, "shipped")))}
        late = conn.execute(select(func.count()).where(p.on_time.is_(False))).scalar_one()
        damaged = conn.execute(select(func.count(func.distinct(dd.shipment_id)))
                               .where(dd.damaged > 0)).scalar_one()
        short = conn.execute(select(func.count(func.distinct(dd.shipment_id)))
                             .where(dd.short > 0)).scalar_one()
    totals = {state: int(states.get(state, 0)) for state in (
        "shipped", "in_transit", "out_for_delivery", "delivered", "failed")}
    totals["in_transit"] += totals.pop("out_for_delivery")
    return {**totals, "late": int(late), "damaged": int(damaged), "short": int(short)}
