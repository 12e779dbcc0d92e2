"""Shipments (`shipments`, `shipment_lines`): what left each site's dock for an order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from shipshape.adapters.db import tables as t
from shipshape.domain.shipments import ShipmentRecord, ShippedLine

sh = t.shipments.c
sl = t.shipment_lines.c


class SqlShipments:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, shipment: ShipmentRecord, source_event: str, at: datetime) -> None:
        self._conn.execute(t.shipments.insert().values(
            id=shipment.id, order_id=shipment.order_id, site=shipment.site,
            ship_date=shipment.ship_date, carrier_service=shipment.carrier_service,
            tracking_number=shipment.tracking_number, label_ref=shipment.label_ref,
            source_event=source_event, created_at=at))
        if shipment.lines:
            self._conn.execute(t.shipment_lines.insert(), [
                {"shipment_id": shipment.id, "line_no": ln.line_no, "sku": ln.sku,
                 "picked": ln.picked, "shipped": ln.shipped} for ln in shipment.lines])

    def of_order(self, order_id: str) -> list[ShipmentRecord]:
        rows = self._conn.execute(
            select(sh.id, sh.order_id, sh.site, sh.ship_date, sh.carrier_service,
                   sh.tracking_number, sh.label_ref)
            .where(sh.order_id == order_id).order_by(sh.created_at, sh.id)).all()
        if not rows:
            return []
        lines: dict[str, list[ShippedLine]] = {}
        for row in self._conn.execute(
                select(sl.shipment_id, sl.line_no, sl.sku, sl.picked, sl.shipped)
                .where(sl.shipment_id.in_([r.id for r in rows])).order_by(sl.line_no)):
            lines.setdefault(row.shipment_id, []).append(
                ShippedLine(row.line_no, row.sku, row.picked, row.shipped))
        return [ShipmentRecord(*row, lines=tuple(lines.get(row.id, []))) for row in rows]

    def exists(self, shipment_id: str) -> bool:
        return self._conn.execute(select(sh.id).where(sh.id == shipment_id)).first() is not None
