"""Carrier tenders (`tenders`): one row per attempt."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from shipshape.adapters.db import tables as t
from shipshape.domain.carriers import TenderAttempt

td = t.tenders.c
ATTEMPTS = (select(td.attempt, td.carrier_service, td.outcome, td.tracking_number, td.label_ref,
                   td.error).where(td.order_id == bindparam("order_id")).order_by(td.id))
INSERT_TENDERS = t.tenders.insert()


class SqlTenders:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, order_id: str, attempts: Sequence[TenderAttempt], at: datetime) -> None:
        if attempts:
            self._conn.execute(INSERT_TENDERS, [
                {"order_id": order_id, "attempt": a.attempt,
                 "carrier_service": a.carrier_service, "outcome": a.outcome,
                 "tracking_number": a.tracking_number, "label_ref": a.label_ref,
                 "error": a.error, "at": at} for a in attempts])

    def attempts(self, order_id: str) -> list[TenderAttempt]:
        rows = self._conn.execute(ATTEMPTS, {"order_id": order_id}).all()
        return [TenderAttempt(*row) for row in rows]
