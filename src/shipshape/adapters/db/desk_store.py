"""Exception cases as the desk works them: read whole, assigned, closed with their resolution."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from shipshape.adapters.db import tables as t
from shipshape.domain.cases import CaseCost, CaseStatus, ExceptionCase
from shipshape.domain.orders import OrderStatus
from shipshape.services.ports.desk import Closing

_x = t.exception_cases.c
OPEN = [CaseStatus.OPEN.value, CaseStatus.ASSIGNED.value]
OPEN_OF_ORDER = (select(t.exception_cases)
                 .where(_x.order_id == bindparam("order_id"), _x.status.in_(OPEN))
                 .order_by(_x.opened_at, _x.id).with_for_update())
_COST = ("cost_rework_minutes", "cost_expedited_freight", "cost_invoice_correction")
_SET = frozenset({*_COST, "line_nos", "status"})
"""Columns `case_of` converts itself."""


class SqlCaseDesk:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, case_id: str, lock: bool) -> ExceptionCase | None:
        query = select(t.exception_cases).where(_x.id == case_id)
        row = self._conn.execute(query.with_for_update() if lock else query).mappings().first()
        return case_of(row) if row is not None else None

    def assign(self, case_id: str, owner_team: str, queue: str, assignee: str | None) -> None:
        status = CaseStatus.ASSIGNED if assignee else CaseStatus.OPEN
        self._conn.execute(update(t.exception_cases).where(_x.id == case_id).values(
            owner_team=owner_team, queue=queue, assignee=assignee, status=status.value))

    def close(self, case_id: str, closing: Closing) -> bool:
        done = self._conn.execute(
            update(t.exception_cases).where(_x.id == case_id, _x.status.in_(OPEN))
            .values(status=closing.status.value, resolution_action=closing.action,
                    resolution_reason=closing.reason, resolved_by=closing.actor,
                    resolved_at=closing.at, root_cause=closing.root_cause,
                    cost_rework_minutes=closing.cost.rework_minutes,
                    cost_expedited_freight=closing.cost.expedited_freight,
                    cost_invoice_correction=closing.cost.invoice_correction)
            .returning(_x.id)).first()
        return done is not None

    def open_of_order(self, order_id: str) -> list[ExceptionCase]:
        rows = self._conn.execute(OPEN_OF_ORDER, {"order_id": order_id}).mappings().all()
        return [case_of(row) for row in rows]

    def waiting(self, codes: Collection[str], *, skus: Collection[str] = (),
                customer_id: str | None = None) -> list[ExceptionCase]:
        o, ol = t.orders.c, t.order_lines.c
        query = (select(t.exception_cases).join(t.orders, o.id == _x.order_id)
                 .where(_x.code.in_(list(codes)), _x.status.in_(OPEN),
                        o.status == OrderStatus.HELD.value))
        if skus:
            query = query.where(_x.order_id.in_(
                select(ol.order_id).where(ol.sku.in_(list(skus))).scalar_subquery()))
        if customer_id is not None:
            query = query.where(o.customer_id == customer_id)
        rows = self._conn.execute(query.order_by(_x.opened_at, _x.id)).mappings().all()
        return [case_of(row) for row in rows]

    def set_ship_date(self, order_id: str, ship_date: date, at: datetime) -> None:
        o = t.orders.c
        self._conn.execute(update(t.orders).where(o.id == order_id).values(
            requested_ship_date=ship_date, updated_at=at))


def case_of(row: Any) -> ExceptionCase:
    values = {k: v for k, v in row.items() if k not in _SET}
    return ExceptionCase(
        **values, line_nos=tuple(row["line_nos"] or ()), status=CaseStatus(row["status"]),
        cost=CaseCost(row["cost_rework_minutes"], row["cost_expedited_freight"],
                      row["cost_invoice_correction"]))
