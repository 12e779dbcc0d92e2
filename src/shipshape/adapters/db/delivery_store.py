"""Delivery facts (`shipment_deliveries`, `delivery_discrepancies`, `perfect_orders`): what the
TMS reported of each shipment and the perfect-order facts of each order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, select, union

from shipshape.adapters.db import return_tables as rtt
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.upsert import upsert_row
from shipshape.domain.delivery import DeliveryRecord, DeliveryState, DiscrepantLine, PerfectOrder
from shipshape.domain.invoicing import InvoiceKind
from shipshape.domain.reconciliation import UntrackedShipment

d = t.shipment_deliveries.c
dd = t.delivery_discrepancies.c
po = t.perfect_orders.c
sh = t.shipments.c
iv = t.invoices.c
rl = rtt.return_lines.c
_RECORD = (d.shipment_id, d.order_id, d.state, d.delivered_at, d.pod_reference, d.signee,
           d.failure_reason, d.attempts)
DELIVERY = select(*_RECORD).where(d.shipment_id == bindparam("shipment_id"))
DELIVERIES_OF_ORDER = (select(*_RECORD).where(d.order_id == bindparam("order_id"))
                       .order_by(d.shipment_id))
DISCREPANCIES = (select(dd.shipment_id, dd.line_no, dd.damaged, dd.short)
                 .where(dd.shipment_id.in_(bindparam("ids", expanding=True)))
                 .order_by(dd.shipment_id, dd.line_no))
_OWN_RETURN_LINES = rtt.returns.join(rtt.return_lines, rl.return_id == rtt.returns.c.id)
_RETURN_NOTES = union(
    select(rl.credit_note_id).select_from(_OWN_RETURN_LINES).where(
        rtt.returns.c.order_id == bindparam("order_id"), rl.credit_note_id.is_not(None)),
    select(rl.settlement_note_id).select_from(_OWN_RETURN_LINES).where(
        rtt.returns.c.order_id == bindparam("order_id"), rl.settlement_note_id.is_not(None)))
"""The credit notes the order's own returns asked for (read through the returns' order index,
not the whole of return_lines)."""
CREDITED = select(exists().where(iv.order_id == bindparam("order_id"),
                                 iv.kind == InvoiceKind.CREDIT_NOTE.value,
                                 iv.id.not_in(_RETURN_NOTES)))
"""A credit note against the order that no return of the customer's asked for."""
PERFECT_ORDER = (select(po.order_id, po.promised_by, po.delivered, po.delivered_at, po.on_time,
                        po.in_full, po.damage_free, po.invoiced_accurately)
                 .where(po.order_id == bindparam("order_id")))
ORDER_OF_SHIPMENT = select(sh.order_id).where(sh.id == bindparam("shipment_id"))
UNTRACKED = (select(sh.id, sh.order_id, sh.site, sh.created_at)
             .select_from(t.shipments.outerjoin(t.shipment_deliveries,
                                                d.shipment_id == sh.id))
             .where(sh.created_at < bindparam("before"),
                    and_(d.shipment_id.is_(None) | (d.state == DeliveryState.SHIPPED.value)))
             .order_by(sh.created_at, sh.id).limit(bindparam("limit")))


def _record(row: Any) -> DeliveryRecord:
    return DeliveryRecord(row.shipment_id, row.order_id, DeliveryState(row.state),
                          row.delivered_at, row.pod_reference, row.signee, row.failure_reason,
                          row.attempts)


class SqlDeliveries:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def order_of(self, shipment_id: str) -> str | None:
        return self._conn.execute(ORDER_OF_SHIPMENT, {"shipment_id": shipment_id}).scalar()

    def get(self, shipment_id: str) -> DeliveryRecord | None:
        row = self._conn.execute(DELIVERY, {"shipment_id": shipment_id}).first()
        return _record(row) if row is not None else None

    def save(self, record: DeliveryRecord, source_event: str, at: datetime) -> None:
        upsert_row(self._conn, t.shipment_deliveries, {
            "shipment_id": record.shipment_id, "order_id": record.order_id,
            "state": record.state.value, "delivered_at": record.delivered_at,
            "pod_reference": record.pod_reference, "signee": record.signee,
            "failure_reason": record.failure_reason, "attempts": record.attempts,
            "source_event": source_event, "updated_at": at})

    def of_order(self, order_id: str) -> list[DeliveryRecord]:
        return [_record(row) for row in self._conn.execute(DELIVERIES_OF_ORDER,
                                                           {"order_id": order_id})]

    def add_discrepancies(self, shipment_id: str, lines: Iterable[DiscrepantLine],
                          source_event: str, at: datetime) -> None:
        for line in lines:
            upsert_row(self._conn, t.delivery_discrepancies, {
                "shipment_id": shipment_id, "line_no": line.line_no, "damaged": line.damaged,
                "short": line.short, "source_event": source_event, "recorded_at": at})

    def discrepancies(self, shipment_ids: Iterable[str]) -> dict[str, list[DiscrepantLine]]:
        ids = list(shipment_ids)
        found: dict[str, list[DiscrepantLine]] = {}
        if not ids:
            return found
        for row in self._conn.execute(DISCREPANCIES, {"ids": ids}):
            found.setdefault(row.shipment_id, []).append(
                DiscrepantLine(row.line_no, row.damaged, row.short))
        return found

    def credited(self, order_id: str) -> bool:
        return bool(self._conn.execute(CREDITED, {"order_id": order_id}).scalar())

    def save_facts(self, facts: PerfectOrder, customer_id: str, at: datetime) -> None:
        upsert_row(self._conn, t.perfect_orders, {
            "order_id": facts.order_id, "customer_id": customer_id,
            "promised_by": facts.promised_by, "delivered": facts.delivered,
            "delivered_at": facts.delivered_at, "on_time": facts.on_time,
            "in_full": facts.in_full, "damage_free": facts.damage_free,
            "invoiced_accurately": facts.invoiced_accurately, "perfect": facts.perfect,
            "updated_at": at})

    def facts(self, order_id: str) -> PerfectOrder | None:
        row = self._conn.execute(PERFECT_ORDER, {"order_id": order_id}).first()
        return PerfectOrder(*row) if row is not None else None

    def untracked(self, shipped_before: datetime, limit: int) -> list[UntrackedShipment]:
        return [UntrackedShipment(*row) for row in self._conn.execute(
            UNTRACKED, {"before": shipped_before, "limit": limit})]

