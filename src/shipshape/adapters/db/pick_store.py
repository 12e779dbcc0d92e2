"""Pick confirmations (`picks`) and the order as picking reads it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, select

from shipshape.adapters.db import tables as t
from shipshape.domain.orders import OrderLine, OrderStatus, ShipTo
from shipshape.domain.picking import OrderToPick, Pick

o = t.orders.c
ol = t.order_lines.c
pk = t.picks.c


class SqlPicks:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._row_locks = conn.dialect.name == "postgresql"

    def order(self, order_id: str, lock: bool) -> OrderToPick | None:
        """With `lock`, the order's row stays locked (PostgreSQL) until the transaction ends, so
        two confirmations of one order are applied one after the other."""
        query = select(o.id, o.status, o.customer_id, o.requested_ship_date, o.ship_to,
                       o.value, o.carrier_service, o.customer_po).where(o.id == order_id)
        row = self._conn.execute(query.with_for_update() if lock and self._row_locks
                                 else query).first()
        if row is None:
            return None
        lines = self._conn.execute(
            select(ol.line_no, ol.sku, ol.quantity, ol.unit_price, ol.uom)
            .where(ol.order_id == order_id).order_by(ol.line_no)).all()
        ship_to = ShipTo(**row.ship_to) if isinstance(row.ship_to, dict) else ShipTo()
        return OrderToPick(
            id=row.id, status=OrderStatus(row.status), customer_id=row.customer_id,
            requested_ship_date=row.requested_ship_date, ship_to_country=ship_to.country,
            value=Decimal(row.value),
            lines=tuple(OrderLine(ln.line_no, ln.sku, ln.quantity, ln.unit_price, ln.uom)
                        for ln in lines),
            carrier_service=row.carrier_service, customer_po=row.customer_po, ship_to=ship_to)

    def picks(self, order_id: str) -> list[Pick]:
        rows = self._conn.execute(
            select(pk.line_no, pk.site, pk.sku, pk.quantity, pk.lot, pk.expiry)
            .where(pk.order_id == order_id).order_by(pk.id)).all()
        return [Pick(*row) for row in rows]

    def add(self, order_id: str, picks: Sequence[Pick], source_event: str,
            at: datetime) -> None:
        if picks:
            self._conn.execute(t.picks.insert(), [
                {"order_id": order_id, "line_no": p.line_no, "site": p.site, "sku": p.sku,
                 "quantity": p.quantity, "lot": p.lot, "expiry": p.expiry,
                 "source_event": source_event, "picked_at": at} for p in picks])
