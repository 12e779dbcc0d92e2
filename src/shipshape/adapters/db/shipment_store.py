"""Shipments (`shipments`, `shipment_lines`): what left each site's dock for an order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.carton_store import add_cartons, cartons_of
from shipshape.domain.shipments import ShipmentRecord, ShippedLine

sh = t.shipments.c
sl = t.shipment_lines.c
SHIPMENTS_OF_ORDER = (select(sh.id, sh.order_id, sh.site, sh.ship_date, sh.carrier_service,
                             sh.tracking_number, sh.label_ref)
                      .where(sh.order_id == bindparam("order_id"))
                      .order_by(sh.created_at, sh.id))
SHIPPED_LINES = (select(sl.shipment_id, sl.line_no, sl.sku, sl.picked, sl.shipped)
                 .where(sl.shipment_id.in_(bindparam("ids", expanding=True)))
                 .order_by(sl.line_no))
SHIPMENT = select(sh.id).where(sh.id == bindparam("shipment_id"))
INSERT_SHIPMENT = t.shipments.insert()
INSERT_SHIPMENT_LINES = t.shipment_lines.insert()


class SqlShipments:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, shipment: ShipmentRecord, source_event: str, at: datetime) -> None:
        self._conn.execute(INSERT_SHIPMENT, {
            "id": shipment.id, "order_id": shipment.order_id, "site": shipment.site,
            "ship_date": shipment.ship_date, "carrier_service": shipment.carrier_service,
            "tracking_number": shipment.tracking_number, "label_ref": shipment.label_ref,
            "source_event": source_event, "created_at": at})
        if shipment.lines:
            self._conn.execute(INSERT_SHIPMENT_LINES, [
                {"shipment_id": shipment.id, "line_no": ln.line_no, "sku": ln.sku,
                 "picked": ln.picked, "shipped": ln.shipped} for ln in shipment.lines])
        add_cartons(self._conn, shipment.id, shipment.cartons)

    def of_order(self, order_id: str) -> list[ShipmentRecord]:
        rows = self._conn.execute(SHIPMENTS_OF_ORDER, {"order_id": order_id}).all()
        if not rows:
            return []
        lines: dict[str, list[ShippedLine]] = {}
        for row in self._conn.execute(SHIPPED_LINES, {"ids": [r.id for r in rows]}):
            lines.setdefault(row.shipment_id, []).append(
                ShippedLine(row.line_no, row.sku, row.picked, row.shipped))
        cartons = cartons_of(self._conn, [r.id for r in rows])
        return [ShipmentRecord(*row, lines=tuple(lines.get(row.id, [])),
                               cartons=cartons.get(row.id, ())) for row in rows]

    def exists(self, shipment_id: str) -> bool:
        return self._conn.execute(SHIPMENT, {"shipment_id": shipment_id}).first() is not None
