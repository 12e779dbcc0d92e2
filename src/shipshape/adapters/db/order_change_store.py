"""What cancelling and amending an order read and write: whether it was accepted, its
reservation rows, its lines and value, and its open exception cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, delete, exists, select, update

from shipshape.adapters.db import tables as t
from shipshape.domain.amendment import ReservationRow
from shipshape.domain.cases import CaseStatus
from shipshape.domain.catalogue import OrderAccepted
from shipshape.domain.orders import OrderLine

o, ol, r = t.orders.c, t.order_lines.c, t.reservations.c
ev, cs = t.order_events.c, t.exception_cases.c
OPEN_CASE_STATUSES = [CaseStatus.OPEN.value, CaseStatus.ASSIGNED.value]


class SqlOrderChanges:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def was_accepted(self, order_id: str) -> bool:
        accepted = exists().where(ev.order_id == order_id, ev.type == OrderAccepted.TYPE)
        return bool(self._conn.execute(select(accepted)).scalar())

    def reservation_rows(self, order_id: str) -> list[ReservationRow]:
        rows = self._conn.execute(select(r.id, r.line_no, r.site, r.sku, r.quantity)
                                  .where(r.order_id == order_id).order_by(r.id)).all()
        return [ReservationRow(*row) for row in rows]

    def set_lines(self, order_id: str, lines: Sequence[OrderLine], value: Decimal,
                  at: datetime) -> None:
        kept = [line.line_no for line in lines]
        self._conn.execute(delete(t.order_lines).where(ol.order_id == order_id,
                                                       ol.line_no.not_in(kept)))
        for line in lines:
            self._conn.execute(update(t.order_lines)
                               .where(ol.order_id == order_id, ol.line_no == line.line_no)
                               .values(quantity=line.quantity, sku=line.sku,
                                       unit_price=line.unit_price, uom=line.uom))
        self._conn.execute(update(t.orders).where(o.id == order_id)
                           .values(value=value, updated_at=at))

    def close_open_cases(self, order_id: str, action: str, reason: str, actor: str,
                         at: datetime) -> list[str]:
        closed = self._conn.execute(
            update(t.exception_cases)
            .where(cs.order_id == order_id, cs.status.in_(OPEN_CASE_STATUSES))
            .values(status=CaseStatus.CANCELLED.value, resolution_action=action,
                    resolution_reason=reason[:200], resolved_by=actor[:100], resolved_at=at)
            .returning(cs.id)).all()
        return sorted(row.id for row in closed)
