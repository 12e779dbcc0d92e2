"""The tallies the consistency conditions compare (`ConsistencyQueries`), each a named query
over the whole store, grouped in SQL and joined by key in Python (amounts too: SQLite keeps
them as text)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, func, select

from shipshape.adapters.db import tables as t
from shipshape.domain import consistency as cs
from shipshape.domain.catalogue import OrderAccepted, OrderAmended, OrderReceived
from shipshape.domain.invoicing import InvoiceKind, InvoiceStatus
from shipshape.domain.orders import OrderStatus
from shipshape.domain.returns import HELD_KINDS, LIVE

LineKey = tuple[str, int]
StockKey = tuple[str, str]


def order_tallies(conn: Connection) -> list[cs.OrderTally]:
    ol, e = t.order_lines.c, t.order_events.c
    counts: Counter[str] = Counter()
    values: dict[str, Decimal] = {}
    for order_id, quantity, unit_price in conn.execute(
            select(ol.order_id, ol.quantity, ol.unit_price)):
        counts[order_id] += 1
        values[order_id] = values.get(order_id, Decimal(0)) + (unit_price or 0) * (quantity or 0)
    received: dict[str, int] = {}
    removed: Counter[str] = Counter()
    for order_id, kind, payload in conn.execute(select(e.order_id, e.type, e.payload).where(
            e.type.in_([OrderReceived.TYPE, OrderAmended.TYPE])).order_by(e.id)):
        if kind == OrderReceived.TYPE:
            received.setdefault(order_id, int(payload.get("lines", 0)))
        else:
            removed[order_id] += sum(1 for line in payload.get("lines", [])
                                     if line.get("after") == 0)
    return [cs.OrderTally(order_id, value, counts[order_id],
                          values.get(order_id, Decimal(0)), received.get(order_id),
                          removed[order_id])
            for order_id, value in conn.execute(select(t.orders.c.id, t.orders.c.value)
                                                .order_by(t.orders.c.id))]


def line_tallies(conn: Connection) -> list[cs.LineTally]:
    ol, pk, rs = t.order_lines.c, t.picks.c, t.reservations.c
    sh, sl = t.shipments.c, t.shipment_lines.c
    ordered = {(o, n): q or 0 for o, n, q in conn.execute(
        select(ol.order_id, ol.line_no, ol.quantity))}
    picked = _sums(conn, select(pk.order_id, pk.line_no, func.sum(pk.quantity))
                   .group_by(pk.order_id, pk.line_no))
    shipped = _sums(conn, select(sh.order_id, sl.line_no, func.sum(sl.shipped))
                    .join(t.shipments, sh.id == sl.shipment_id).group_by(sh.order_id, sl.line_no))
    reserved = _sums(conn, select(rs.order_id, rs.line_no, func.sum(rs.quantity))
                     .group_by(rs.order_id, rs.line_no))
    keys = sorted(set(ordered) | set(picked) | set(shipped) | set(reserved))
    return [cs.LineTally(o, n, ordered.get((o, n)), picked.get((o, n), 0),
                         shipped.get((o, n), 0), reserved.get((o, n), 0)) for o, n in keys]


def shipment_invoices(conn: Connection) -> list[cs.ShipmentInvoices]:
    """Shipments that shipped something, with their invoices of kind invoice not credited."""
    sh, sl, iv = t.shipments.c, t.shipment_lines.c, t.invoices.c
    units = (select(sl.shipment_id, func.sum(sl.shipped).label("shipped"))
             .group_by(sl.shipment_id).subquery())
    invoices = (select(func.count()).where(iv.shipment_id == sh.id,
                                           iv.kind == InvoiceKind.INVOICE.value,
                                           iv.status != InvoiceStatus.CREDITED.value)
                .scalar_subquery())
    rows = conn.execute(select(sh.id, sh.order_id, invoices)
                        .join(units, units.c.shipment_id == sh.id)
                        .where(units.c.shipped > 0).order_by(sh.id))
    return [cs.ShipmentInvoices(s, o, int(n)) for s, o, n in rows]


def stock_tallies(conn: Connection) -> list[cs.StockTally]:
    inv, mv, rs = t.inventory.c, t.stock_movements.c, t.reservations.c
    stock = {(site, sku): (on_hand, reserved) for site, sku, on_hand, reserved in conn.execute(
        select(inv.site, inv.sku, inv.on_hand, inv.reserved))}
    moved = _stock_sums(conn, select(mv.site, mv.sku, func.sum(mv.quantity))
                        .where(mv.kind.not_in(HELD_KINDS)).group_by(mv.site, mv.sku))
    held = _stock_sums(conn, select(rs.site, rs.sku, func.sum(rs.quantity))
                       .group_by(rs.site, rs.sku))
    keys = sorted(set(stock) | set(moved) | set(held))
    return [cs.StockTally(site, sku, stock.get((site, sku), (0, 0))[0], moved.get((site, sku), 0),
                          stock.get((site, sku), (0, 0))[1], held.get((site, sku), 0))
            for site, sku in keys]


def order_sites(conn: Connection) -> list[cs.OrderSites]:
    """Shipped and invoiced orders, with the sites that picked something and that shipped."""
    o, pk, sh = t.orders.c, t.picks.c, t.shipments.c
    done = (OrderStatus.SHIPPED.value, OrderStatus.INVOICED.value, OrderStatus.CLOSED.value)
    statuses = {order_id: status for order_id, status in conn.execute(
        select(o.id, o.status).where(o.status.in_(done)))}
    picked: dict[str, set[str]] = {}
    for order_id, site in conn.execute(
            select(pk.order_id, pk.site).join(t.orders, o.id == pk.order_id)
            .where(o.status.in_(done)).group_by(pk.order_id, pk.site)
            .having(func.sum(pk.quantity) > 0)):
        picked.setdefault(order_id, set()).add(site)
    shipped: dict[str, set[str]] = {}
    for order_id, site in conn.execute(select(sh.order_id, sh.site).join(
            t.orders, o.id == sh.order_id).where(o.status.in_(done))):
        shipped.setdefault(order_id, set()).add(site)
    return [cs.OrderSites(order_id, status, frozenset(picked.get(order_id, ())),
                          frozenset(shipped.get(order_id, ())))
            for order_id, status in sorted(statuses.items())]


def held_tallies(conn: Connection) -> list[cs.HeldTally]:
    """Quarantined and scrapped stock beside its movements."""
    hs, mv = t.held_stock.c, t.stock_movements.c
    held = {(site, sku): (int(q), int(s)) for site, sku, q, s in conn.execute(
        select(hs.site, hs.sku, hs.quarantined, hs.scrapped))}
    moved: dict[tuple[str, str, str], int] = {
        (site, sku, kind): int(n or 0) for site, sku, kind, n in conn.execute(
            select(mv.site, mv.sku, mv.kind, func.sum(mv.quantity))
            .where(mv.kind.in_(HELD_KINDS)).group_by(mv.site, mv.sku, mv.kind))}
    keys = sorted(set(held) | {(site, sku) for site, sku, _ in moved})
    return [cs.HeldTally(site, sku, held.get((site, sku), (0, 0))[0],
                         moved.get((site, sku, "quarantine"), 0),
                         held.get((site, sku), (0, 0))[1], moved.get((site, sku, "scrap"), 0))
            for site, sku in keys]


def exposure_tallies(conn: Connection) -> list[cs.ExposureTally]:
    """Per customer: the stored open exposure, and the value of its accepted orders not yet
    cancelled or closed."""
    o, e, ce = t.orders.c, t.order_events.c, t.credit_exposure.c
    ended = [OrderStatus.CANCELLED.value, OrderStatus.CLOSED.value]
    accepted = select(e.order_id).where(e.type == OrderAccepted.TYPE)
    counted: dict[str, Decimal] = {}
    for customer_id, value in conn.execute(select(o.customer_id, o.value).where(
            o.status.not_in(ended), o.id.in_(accepted))):
        counted[customer_id] = counted.get(customer_id, Decimal(0)) + Decimal(value)
    stored = {customer_id: Decimal(value) for customer_id, value in conn.execute(
        select(ce.customer_id, ce.open_value))}
    return [cs.ExposureTally(c, stored.get(c, Decimal(0)), counted.get(c, Decimal(0)))
            for c in sorted(set(stored) | set(counted))]


def return_tallies(conn: Connection) -> list[cs.ReturnTally]:
    """Per shipment line that live returns name: shipped, authorised, received."""
    rt, rl, sl, sh = t.returns.c, t.return_lines.c, t.shipment_lines.c, t.shipments.c
    returned = (select(rl.shipment_id, rl.line_no, func.sum(rl.authorised).label("authorised"),
                       func.sum(rl.good + rl.damaged + rl.scrapped).label("received"))
                .join(t.returns, rt.id == rl.return_id)
                .where(rt.status.in_([s.value for s in LIVE]))
                .group_by(rl.shipment_id, rl.line_no).subquery())
    rows = conn.execute(
        select(rt.order_id, returned.c.shipment_id, returned.c.line_no,
               func.coalesce(func.max(sl.shipped), 0), func.max(returned.c.authorised),
               func.max(returned.c.received))
        .select_from(returned)
        .join(t.return_lines, (rl.shipment_id == returned.c.shipment_id)
              & (rl.line_no == returned.c.line_no))
        .join(t.returns, rt.id == rl.return_id)
        .outerjoin(t.shipment_lines, (sl.shipment_id == returned.c.shipment_id)
                   & (sl.line_no == returned.c.line_no))
        .outerjoin(t.shipments, sh.id == returned.c.shipment_id)
        .group_by(rt.order_id, returned.c.shipment_id, returned.c.line_no)
        .order_by(rt.order_id, returned.c.shipment_id, returned.c.line_no))
    return [cs.ReturnTally(o, s, n, int(shipped), int(a or 0), int(r or 0))
            for o, s, n, shipped, a, r in rows]


def return_credits(conn: Connection) -> list[cs.ReturnCredit]:
    """Return lines that credited something, or name a credit note, with the note's line; and
    those a settled dispute credited, beside the units the receipt booked and did not credit."""
    rl = t.return_lines.c
    return [*_credits(conn, rl.accepted, rl.credited, rl.credit_note_id),
            *_credits(conn, rl.good + rl.damaged + rl.scrapped - rl.credited, rl.settled,
                      rl.settlement_note_id, settled=True)]


def _credits(conn: Connection, creditable: Any, credited: Any, note_id: Any,
             settled: bool = False) -> list[cs.ReturnCredit]:
    rt, rl, il = t.returns.c, t.return_lines.c, t.invoice_lines.c
    rows = conn.execute(
        select(rl.return_id, rt.status, rl.line_no, rl.shipment_id, creditable, credited,
               note_id, il.quantity)
        .join(t.returns, rt.id == rl.return_id)
        .outerjoin(t.invoice_lines, (il.invoice_id == note_id) & (il.line_no == rl.line_no))
        .where((credited > 0) | note_id.is_not(None))
        .order_by(rl.return_id, rl.line_no, rl.shipment_id))
    return [cs.ReturnCredit(r, status, n, s, int(a), int(c), note,
                            None if q is None else int(q), settled)
            for r, status, n, s, a, c, note, q in rows]


def _sums(conn: Connection, query: Select[Any]) -> dict[LineKey, int]:
    return {(a, b): int(n or 0) for a, b, n in conn.execute(query)}


def _stock_sums(conn: Connection, query: Select[Any]) -> dict[StockKey, int]:
    return {(a, b): int(n or 0) for a, b, n in conn.execute(query)}


class SqlConsistency:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def order_tallies(self) -> list[cs.OrderTally]:
        return order_tallies(self._conn)

    def line_tallies(self) -> list[cs.LineTally]:
        return line_tallies(self._conn)

    def shipment_invoices(self) -> list[cs.ShipmentInvoices]:
        return shipment_invoices(self._conn)

    def stock_tallies(self) -> list[cs.StockTally]:
        return stock_tallies(self._conn)

    def order_sites(self) -> list[cs.OrderSites]:
        return order_sites(self._conn)

    def held_tallies(self) -> list[cs.HeldTally]:
        return held_tallies(self._conn)

    def exposure_tallies(self) -> list[cs.ExposureTally]:
        return exposure_tallies(self._conn)

    def return_tallies(self) -> list[cs.ReturnTally]:
        return return_tallies(self._conn)

    def return_credits(self) -> list[cs.ReturnCredit]:
        return return_credits(self._conn)
