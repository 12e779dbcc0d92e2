"""Pick confirmations (`picks`) and the order as picking reads it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, bindparam, select

from shipshape.adapters.db import tables as t
from shipshape.domain.orders import OrderLine, OrderStatus, ShipTo
from shipshape.domain.picking import OrderToPick, Pick

o = t.orders.c
ol = t.order_lines.c
pk = t.picks.c
ORDER_TO_PICK = select(o.id, o.status, o.customer_id, o.requested_ship_date, o.ship_to, o.value,
                       o.carrier_service, o.customer_po).where(o.id == bindparam("order_id"))
LOCKED_ORDER_TO_PICK = ORDER_TO_PICK.with_for_update()
LINES_TO_PICK = (select(ol.line_no, ol.sku, ol.quantity, ol.unit_price, ol.uom)
                 .where(ol.order_id == bindparam("order_id")).order_by(ol.line_no))
PICKS_OF_ORDER = (select(pk.line_no, pk.site, pk.sku, pk.quantity, pk.lot, pk.expiry)
                  .where(pk.order_id == bindparam("order_id")).order_by(pk.id))


class SqlPicks:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._row_locks = conn.dialect.name == "postgresql"

    def order(self, order_id: str, lock: bool) -> OrderToPick | None:
        """With `lock`, the order's row stays locked (PostgreSQL) until the transaction ends, so
        two confirmations of one order are applied one after the other."""
        query = LOCKED_ORDER_TO_PICK if lock and self._row_locks else ORDER_TO_PICK
        row = self._conn.execute(query, {"order_id": order_id}).first()
        if row is None:
            return None
        lines = self._conn.execute(LINES_TO_PICK, {"order_id": order_id}).all()
        ship_to = ShipTo(**row.ship_to) if isinstance(row.ship_to, dict) else ShipTo()
        return OrderToPick(
            id=row.id, status=OrderStatus(row.status), customer_id=row.customer_id,
            requested_ship_date=row.requested_ship_date, ship_to_country=ship_to.country,
            value=Decimal(row.value),
            lines=tuple(OrderLine(ln.line_no, ln.sku, ln.quantity, ln.unit_price, ln.uom)
                        for ln in lines),
            carrier_service=row.carrier_service, customer_po=row.customer_po, ship_to=ship_to)

    def picks(self, order_id: str) -> list[Pick]:
        rows = self._conn.execute(PICKS_OF_ORDER, {"order_id": order_id}).all()
        return [Pick(*row) for row in rows]

    def add(self, order_id: str, picks: Sequence[Pick], source_event: str,
            at: datetime) -> None:
        if picks:
            self._conn.execute(t.picks.insert(), [
                {"order_id": order_id, "line_no": p.line_no, "site": p.site, "sku": p.sku,
                 "quantity": p.quantity, "lot": p.lot, "expiry": p.expiry,
                 "source_event": source_event, "picked_at": at} for p in picks])
